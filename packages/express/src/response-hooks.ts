import { ServerResponse } from 'node:http'
import { connectionClosed, type HeaderSource, type Outcome, type ResponseHeaders } from '@larder/core'
import { keepState, stateOf } from './state-slot.js'

type Phase = 'open' | 'holding' | 'passing'
type Method = 'writeHead' | 'write' | 'end'
type Call = { method: Method; args: unknown[] }
type Original = (this: ServerResponse, ...args: unknown[]) => unknown
type Originals = Record<Method, Original>

const METHODS: readonly Method[] = ['writeHead', 'write', 'end']

/**
 * Per-request state shared by every larder middleware that sees the request. The response is
 * hooked once; hooks read `outcome` when they fire, so a later (more specific) middleware can
 * replace it without hooking twice.
 */
export class RequestState {
  phase: Phase = 'open'
  held: Call[] | undefined = undefined
  /** Hooked through the shared prototype rather than through properties of the response. */
  viaPrototype = false
  // What writeHead/write/end were before larder (the prototype's, or another middleware's wrappers).
  writeHead: Original | undefined = undefined
  write: Original | undefined = undefined
  end: Original | undefined = undefined

  constructor(public outcome: Outcome) {}

  /**
   * The status line is being written: a fill decides whether to capture, a mutation may hold it.
   * `writeHeadArgs`: the arguments of the writeHead call that writes it, whose headers count too.
   */
  onHead(res: ServerResponse, status: number, writeHeadArgs: unknown[] | undefined): void {
    this.phase = 'passing'
    const outcome = this.outcome
    if (outcome.kind === 'miss' && outcome.fill !== undefined) {
      if (passedHeaders(writeHeadArgs) === undefined) outcome.fill.startFrom(status, RESPONSE_HEADERS, res)
      else outcome.fill.start(status, headersWith(res, writeHeadArgs))
    } else if (outcome.kind === 'mutation') {
      const pending = outcome.mutation.complete(status, headersWith(res, writeHeadArgs))
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

const RESPONSE_HEADERS: HeaderSource<ServerResponse> = {
  get: (res, name) => res.getHeader(name),
  all: (res) => res.getHeaders(),
}

/** The headers passed to `writeHead(status, [reason], headers)`, if any. */
function passedHeaders(args: unknown[] | undefined): object | undefined {
  if (args === undefined) return undefined
  const extra = typeof args[1] === 'string' ? args[2] : args[1]
  return extra === undefined || extra === null || typeof extra !== 'object' ? undefined : extra
}

/** Merges the headers passed to `writeHead(status, [reason], headers)` over those already set. */
function headersWith(res: ServerResponse, args: unknown[] | undefined): ResponseHeaders {
  const base = res.getHeaders()
  const extra = passedHeaders(args)
  if (extra === undefined) return base
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

function writeHeadHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  if (state.phase === 'open') state.onHead(res, args[0] as number, args)
  if (state.phase === 'holding') {
    state.hold('writeHead', args)
    return res
  }
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
  if (outcome.kind === 'miss' && (typeof chunk === 'string' || chunk instanceof Uint8Array)) outcome.fill?.push(chunk, encodingOf(args))
  return true
}

function writeHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  return beforeBody(res, state, 'write', args) ? state.write!.apply(res, args) : true
}

function endHook(res: ServerResponse, state: RequestState, args: unknown[]): unknown {
  if (!beforeBody(res, state, 'end', args)) return res
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

type Hook = (res: ServerResponse, state: RequestState, args: unknown[]) => unknown
const HOOKS: Record<Method, Hook> = { writeHead: writeHeadHook, write: writeHook, end: endHook }

// Wrappers set as properties of one response. Shared by every response (they find their state in
// the state slot), so hooking allocates no closures.
const OWN: Record<Method, Original> = {
  writeHead(...args) {
    return writeHeadHook(this, stateOf(this)!, args)
  },
  write(...args) {
    return writeHook(this, stateOf(this)!, args)
  },
  end(...args) {
    return endHook(this, stateOf(this)!, args)
  },
}

// Response prototypes (an Express app's app.response) with larder's methods on them, and the
// methods each wraps; and each wrapper's original, so a prototype further down the chain (a
// mounted sub-app's, which inherits the parent app's) never wraps larder's own wrapper a second time.
const PATCHED = new WeakMap<object, Originals>()
const UNWRAPPED = new WeakMap<Original, Original>()

function patch(proto: object): Originals {
  let originals = PATCHED.get(proto)
  if (originals !== undefined) return originals
  const target = proto as Record<Method, Original>
  const resolve = (m: Method): Original => UNWRAPPED.get(target[m]) ?? target[m]
  originals = { writeHead: resolve('writeHead'), write: resolve('write'), end: resolve('end') }
  for (const method of METHODS) {
    const original = originals[method]
    const hook = HOOKS[method]
    // Responses larder is not capturing (hits, routes without larder) go straight through, without
    // an array of their arguments: every response of the app passes here.
    const wrapper = function (this: ServerResponse): unknown {
      const state = stateOf(this)
      // eslint-disable-next-line prefer-rest-params
      if (state === undefined || !state.viaPrototype) return original.apply(this, arguments as unknown as unknown[])
      // eslint-disable-next-line prefer-rest-params
      return hook(this, state, Array.prototype.slice.call(arguments))
    }
    UNWRAPPED.set(wrapper, original)
    target[method] = wrapper
  }
  PATCHED.set(proto, originals)
  return originals
}

/**
 * The prototype larder may hook for `res`: its app's app.response, when `res` inherits from it.
 * A mounted sub-app swaps the response's prototype for its own app.response while it handles the
 * request, but Express makes a sub-app's app.response inherit from its parent's, so hooks placed
 * there stay in effect. Apps without larder are left alone.
 */
function sharedPrototype(app: { response?: object } | undefined, res: ServerResponse): object | undefined {
  const proto = app?.response
  if (proto === undefined || !Object.prototype.isPrototypeOf.call(ServerResponse.prototype, proto) || !Object.prototype.isPrototypeOf.call(proto, res)) return undefined
  return proto
}

const hasOwn = Object.prototype.hasOwnProperty

/**
 * Hooks `res.writeHead/write/end`. Body chunks go to the client at once and are copied to the
 * fill as they pass (capture never delays streaming). For a mutation, the first write of the
 * status decides: on success every call is held until invalidation has finished, then replayed in
 * order, so the client cannot see the 2xx before the stale entries are gone.
 *
 * Under Express, the hooks sit on the app's response prototype, which makes hooking a response one
 * entry in res.locals (see state-slot.ts) instead of three property writes. When a middleware
 * before larder has already wrapped one of the methods on the response itself (compression,
 * express-session), its wrapper would call the prototype's method from before, bypassing hooks
 * there; such a response gets its own wrappers instead, around the existing ones.
 */
export function hookResponse(app: { response?: object } | undefined, res: ServerResponse, state: RequestState, locals?: Record<PropertyKey, unknown>): void {
  const proto = sharedPrototype(app, res)
  if (proto !== undefined && !hasOwn.call(res, 'writeHead') && !hasOwn.call(res, 'write') && !hasOwn.call(res, 'end')) {
    const originals = patch(proto)
    state.viaPrototype = true
    state.writeHead = originals.writeHead
    state.write = originals.write
    state.end = originals.end
  } else {
    state.writeHead = res.writeHead as Original
    state.write = res.write as Original
    state.end = res.end as Original
    res.writeHead = OWN.writeHead as typeof res.writeHead
    res.write = OWN.write as typeof res.write
    res.end = OWN.end as typeof res.end
  }
  keepState(res, state, locals)
}
