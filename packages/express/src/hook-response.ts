import type { ServerResponse } from 'node:http'
import { keepState, stateOf, type Method, type Original, type RequestState } from './request-state.js'
import { sharedHooks, sharedPrototype, type ClosingCache } from './prototype-hooks.js'
import { HOOKS } from './response-hooks.js'

// Wrappers set as properties of one response. Shared by every response (they find their state
// with stateOf), so hooking allocates no closures.
const OWN: Record<Method, Original> = {
  writeHead(...args) {
    return HOOKS.writeHead(this, stateOf(this)!, args)
  },
  write(...args) {
    return HOOKS.write(this, stateOf(this)!, args)
  },
  end(...args) {
    return HOOKS.end(this, stateOf(this)!, args)
  },
}

const hasOwn = Object.prototype.hasOwnProperty

/**
 * Hooks `res.writeHead/write/end` for `cache` (see response-hooks.ts for what the hooks do).
 *
 * Under Express, the hooks sit on the app's response prototype (prototype-hooks.ts), which makes
 * hooking a response one entry in res.locals instead of three property writes on a response whose
 * shape V8 cannot predict. When a middleware before larder has already wrapped one of the methods
 * on the response itself (compression, express-session), its wrapper would call the prototype's
 * method from before, bypassing hooks there; such a response gets its own wrappers instead, around
 * the existing ones.
 */
export function hookResponse(app: { response?: object } | undefined, res: ServerResponse, state: RequestState, cache: ClosingCache, locals?: Record<PropertyKey, unknown>): void {
  const proto = sharedPrototype(app, res)
  if (proto !== undefined && !hasOwn.call(res, 'writeHead') && !hasOwn.call(res, 'write') && !hasOwn.call(res, 'end')) {
    const hooks = sharedHooks(proto)
    state.prototypeHooks = hooks
    state.writeHead = hooks.originals.writeHead
    state.write = hooks.originals.write
    state.end = hooks.originals.end
    hooks.usedBy(cache)
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
