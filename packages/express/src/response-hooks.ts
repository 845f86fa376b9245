import type { ServerResponse } from 'node:http'
import { connectionClosed } from '@larder/core/adapter'
import type { Method, RequestState } from './request-state.js'

/**
 * What larder does in place of `res.writeHead/write/end` for a response it hooked. Body chunks go
 * to the client at once and are copied to the fill as they pass (capture never delays streaming).
 * For a mutation, the first write of the status decides: on success every call is held until
 * invalidation has finished, then replayed in order, so the client cannot see the 2xx before the
 * stale entries are gone. Each hook ends by calling the method it stands in for, kept in the state.
 */
export type Hook = (res: ServerResponse, state: RequestState, args: unknown[]) => unknown

function encodingOf(args: unknown[]): BufferEncoding | undefined {
  return typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined
}

function writeHeadHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  if (state.phase === 'open') state.onHead(res, args[0] as number, args)
  if (state.phase === 'holding') {
    state.hold('writeHead', args)
    return res
  }
  // The stored response goes out in place of the handler's 304, without its reason phrase.
  if (state.replaced !== undefined) args = [res.statusCode, ...args.slice(typeof args[1] === 'string' ? 2 : 1)]
  return state.writeHead!.apply(res, args)
}

/**
 * What write and end do before passing a body chunk on: take the head if nothing has written it,
 * hold the call while a mutation invalidates, copy the chunk to the fill. False: the call was held.
 */
function beforeBody(res: ServerResponse, state: RequestState, method: 'write' | 'end', args: unknown[]): boolean {
  if (state.phase === 'open' && !res.headersSent) state.onHead(res, res.statusCode, undefined)
  if (state.phase === 'holding') {
    state.hold(method, args)
    return false
  }
  const chunk = args[0]
  const outcome = state.outcome
  if (outcome.kind !== 'miss' || outcome.fill === undefined || !(typeof chunk === 'string' || chunk instanceof Uint8Array)) return true
  // end(body) before the head went out (so before any write): the whole body is known in time for
  // the miss to carry the ETag its hits will.
  if (method === 'end' && !res.headersSent) {
    const etag = outcome.fill.pushWhole(chunk, encodingOf(args))
    if (etag !== undefined) res.setHeader('etag', etag)
  } else outcome.fill.push(chunk, encodingOf(args))
  return true
}

function writeHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  if (!beforeBody(res, state, 'write', args)) return true
  // A 304 has no body: what a handler writes after one has nowhere to go in the stored response.
  return state.replaced !== undefined || state.write!.apply(res, args)
}

function endHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  if (!beforeBody(res, state, 'end', args)) return res
  if (state.replaced !== undefined) {
    const body = state.replacementBody(res)
    return body === undefined ? state.end!.call(res) : state.end!.call(res, body)
  }
  const outcome = state.outcome
  const fill = outcome.kind === 'miss' ? outcome.fill : undefined
  // Asked before ending: a handler that stops when its client leaves ends its response like any other.
  const closed = fill?.capturing === true && connectionClosed(res)
  const result = state.end!.apply(res, args)
  // Headers are final now; a capturing fill re-checks them (Set-Cookie added late, say). One whose
  // client left, or that declined the response, only has to release anyone waiting on it.
  if (fill?.capturing && !closed) void fill.finish(res.getHeaders())
  else fill?.abandon()
  return result
}

export const METHODS: readonly Method[] = ['writeHead', 'write', 'end']
export const HOOKS: Readonly<Record<Method, Hook>> = { writeHead: writeHeadHook, write: writeHook, end: endHook }
