import type { ServerResponse } from 'node:http'
import type { Outcome, ResponseHeaders } from '@larder/core'

/**
 * Per-request state shared by every larder middleware that sees the request. The response is
 * hooked once; hooks read `outcome` when they fire, so a later (more specific) middleware can
 * replace it without hooking twice.
 */
export interface RequestState {
  outcome: Outcome
}

type Phase = 'open' | 'holding' | 'passing'
type Call = { method: 'writeHead' | 'write' | 'end'; args: unknown[] }

/** Merges the headers passed to `writeHead(status, [reason], headers)` over those already set. */
function headersWith(res: ServerResponse, args: unknown[]): ResponseHeaders {
  const base = res.getHeaders()
  const extra = typeof args[1] === 'string' ? args[2] : args[1]
  if (extra === undefined || extra === null || typeof extra !== 'object') return base
  const merged: Record<string, number | string | string[] | undefined> = { ...base }
  if (Array.isArray(extra)) {
    // Either [[name, value], …] or a flat [name, value, name, value, …].
    const pairs: Array<[unknown, unknown]> = Array.isArray(extra[0]) ? (extra as Array<[unknown, unknown]>) : []
    if (pairs.length === 0) for (let i = 0; i + 1 < extra.length; i += 2) pairs.push([extra[i], extra[i + 1]])
    for (const [name, value] of pairs) merged[String(name).toLowerCase()] = value as string
  } else {
    for (const [name, value] of Object.entries(extra)) merged[name.toLowerCase()] = value as string
  }
  return merged
}

/**
 * Wraps `res.writeHead/write/end`. Body chunks go to the client at once and are copied to the
 * fill as they pass (capture never delays streaming). For a mutation, the first write of the
 * status decides: on success every call is held until invalidation has finished, then replayed in
 * order, so the client cannot see the 2xx before the stale entries are gone.
 */
export function hookResponse(res: ServerResponse, state: RequestState): void {
  const writeHead = res.writeHead
  const write = res.write
  const end = res.end
  let phase: Phase = 'open'
  const held: Call[] = []

  const onHead = (status: number, headers: () => ResponseHeaders): void => {
    phase = 'passing'
    const outcome = state.outcome
    if (outcome.kind === 'miss' && outcome.fill !== undefined) outcome.fill.start(status, headers())
    else if (outcome.kind === 'mutation') {
      const pending = outcome.mutation.complete(status, headers())
      if (pending !== undefined) {
        phase = 'holding'
        void pending.then(() => {
          phase = 'passing'
          for (const call of held.splice(0)) (res[call.method] as (...a: unknown[]) => unknown).apply(res, call.args)
        })
      }
    }
  }
  const fillOf = (): { push(chunk: string | Uint8Array, encoding?: BufferEncoding): void; finish(h?: ResponseHeaders): Promise<boolean> } | undefined => {
    const o = state.outcome
    return o.kind === 'miss' ? o.fill : undefined
  }

  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (phase === 'open') onHead(args[0] as number, () => headersWith(res, args))
    if (phase === 'holding') {
      held.push({ method: 'writeHead', args })
      return this
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as typeof res.writeHead

  res.write = function (this: ServerResponse, ...args: unknown[]) {
    if (phase === 'open' && !res.headersSent) onHead(res.statusCode, () => res.getHeaders())
    if (phase === 'holding') {
      held.push({ method: 'write', args })
      return true
    }
    const chunk = args[0]
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) fillOf()?.push(chunk, typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined)
    return (write as (...a: unknown[]) => boolean).apply(this, args)
  } as typeof res.write

  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (phase === 'open' && !res.headersSent) onHead(res.statusCode, () => res.getHeaders())
    if (phase === 'holding') {
      held.push({ method: 'end', args })
      return this
    }
    const chunk = args[0]
    const fill = fillOf()
    if (fill !== undefined && (typeof chunk === 'string' || chunk instanceof Uint8Array)) fill.push(chunk, typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined)
    const result = (end as (...a: unknown[]) => ServerResponse).apply(this, args)
    // Headers are final now; the fill re-checks them (Set-Cookie added late, say).
    if (fill !== undefined) void fill.finish(res.getHeaders())
    return result
  } as typeof res.end

  res.once('close', () => {
    const o = state.outcome
    if (o.kind === 'miss') o.fill?.abandon()
  })
}
