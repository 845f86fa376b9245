import type { ServerResponse } from 'node:http'
import type { RequestState } from './response-hooks.js'

type WithLocals = ServerResponse & { locals?: Record<PropertyKey, unknown> }

const SLOT = Symbol('larder.state')

// States that must survive whatever the handler does to the response: a mutation's (losing it
// would skip the invalidation) and that of a response hooked through its own properties (the state
// holds the methods the hooks wrap). A WeakMap keyed by the response is robust, but costs each
// request that uses it about 15 µs of CPU, mostly garbage collection (measured on bench/'s
// never-cacheable route).
const KEPT = new WeakMap<ServerResponse, RequestState>()

/** The larder state of a response, if any; `locals`: its res.locals, where the caller has read it already. */
export function stateOf(res: ServerResponse, locals = (res as WithLocals).locals): RequestState | undefined {
  return (locals?.[SLOT] as RequestState | undefined) ?? KEPT.get(res)
}

/**
 * Reads hooked through the app's response prototype keep their state under a symbol in res.locals:
 * Express makes that a null-prototype object, which V8 keeps as a hash table, so adding to it
 * changes no object's shape. A property on the response itself costs several µs per request, since
 * Express gives every response a new prototype. A handler that replaces res.locals (`res.locals =
 * {…}` rather than adding to it) loses such a state: that response is served but not stored.
 */
export function keepState(res: ServerResponse, state: RequestState, locals = (res as WithLocals).locals): void {
  if (!state.viaPrototype || state.outcome.kind === 'mutation' || locals === undefined || locals === null) KEPT.set(res, state)
  else locals[SLOT] = state
}
