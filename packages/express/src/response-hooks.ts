import type { ServerResponse } from 'node:http'
import type { Outcome, ResponseHeaders } from '@larder/core'

type Phase = 'open' | 'holding' | 'passing'
type Method = 'writeHead' | 'write' | 'end'
type Call = { method: Method; args: unknown[] }
type Original = (...args: unknown[]) => unknown

const HOOKS = Symbol('larder.hooks')

/**
 * Per-request state shared by every larder middleware that sees the request. The response is
 * hooked once; hooks read `outcome` when they fire, so a later (more specific) middleware can
 * replace it without hooking twice.
 */
export class RequestState {
  phase: Phase = 'open'
  held: Call[] | undefined = undefined
  // What writeHead/write/end were before larder (the prototype's, or another middleware's wrappers).
  writeHead: Original | undefined = undefined
  write: Original | undefined = undefined
  end: Original | undefined = undefined

  constructor(public outcome: Outcome) {}

  /** The status line is being written: a fill decides whether to capture, a mutation may hold it. */
  onHead(res: ServerResponse, status: number, headers: () => ResponseHeaders): void {
    this.phase = 'passing'
    const outcome = this.outcome
    if (outcome.kind === 'miss' && outcome.fill !== undefined) outcome.fill.start(status, headers())
    else if (outcome.kind === 'mutation') {
      const pending = outcome.mutation.complete(status, headers())
      if (pending !== undefined) {
        this.phase = 'holding'
        void pending.then(() => {
          this.phase = 'passing'
          for (const call of this.held?.splice(0) ?? []) (res[call.method] as Original).apply(res, call.args)
        })
      }
    }
  }

  hold(method: Method, args: unknown[]): void {
    ;(this.held ??= []).push({ method, args })
  }
}

type HookedResponse = ServerResponse & { [HOOKS]: RequestState }

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

function encodingOf(args: unknown[]): BufferEncoding | undefined {
  return typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined
}

// The wrappers are shared by every response (they find their state through `this`), so hooking a
// response allocates one state object, not a set of closures: this runs on every miss.
function hookedWriteHead(this: HookedResponse, ...args: unknown[]): unknown {
  const state = this[HOOKS]
  if (state.phase === 'open') state.onHead(this, args[0] as number, () => headersWith(this, args))
  if (state.phase === 'holding') {
    state.hold('writeHead', args)
    return this
  }
  return state.writeHead!.apply(this, args)
}

/**
 * What write and end do before passing a body chunk on: take the head if nothing has written it,
 * hold the call while a mutation invalidates, copy the chunk to the fill. False: the call was held.
 */
function beforeBody(res: HookedResponse, state: RequestState, method: 'write' | 'end', args: unknown[]): boolean {
  if (state.phase === 'open' && !res.headersSent) state.onHead(res, res.statusCode, () => res.getHeaders())
  if (state.phase === 'holding') {
    state.hold(method, args)
    return false
  }
  const chunk = args[0]
  const outcome = state.outcome
  if (outcome.kind === 'miss' && (typeof chunk === 'string' || chunk instanceof Uint8Array)) outcome.fill?.push(chunk, encodingOf(args))
  return true
}

function hookedWrite(this: HookedResponse, ...args: unknown[]): unknown {
  const state = this[HOOKS]
  return beforeBody(this, state, 'write', args) ? state.write!.apply(this, args) : true
}

function hookedEnd(this: HookedResponse, ...args: unknown[]): unknown {
  const state = this[HOOKS]
  if (!beforeBody(this, state, 'end', args)) return this
  const outcome = state.outcome
  const fill = outcome.kind === 'miss' ? outcome.fill : undefined
  const result = state.end!.apply(this, args)
  // Headers are final now; the fill re-checks them (Set-Cookie added late, say).
  if (fill !== undefined) void fill.finish(this.getHeaders())
  return result
}

function onClose(this: HookedResponse): void {
  const o = this[HOOKS].outcome
  if (o.kind === 'miss') o.fill?.abandon()
}

/**
 * Wraps `res.writeHead/write/end`. Body chunks go to the client at once and are copied to the
 * fill as they pass (capture never delays streaming). For a mutation, the first write of the
 * status decides: on success every call is held until invalidation has finished, then replayed in
 * order, so the client cannot see the 2xx before the stale entries are gone.
 */
export function hookResponse(res: ServerResponse, state: RequestState): void {
  const hooked = res as HookedResponse
  hooked[HOOKS] = state
  state.writeHead = res.writeHead as Original
  state.write = res.write as Original
  state.end = res.end as Original
  res.writeHead = hookedWriteHead as typeof res.writeHead
  res.write = hookedWrite as typeof res.write
  res.end = hookedEnd as typeof res.end
  res.once('close', onClose)
}
