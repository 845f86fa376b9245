import { ServerResponse } from 'node:http'
import { stateOf, type Method, type Original, type PrototypeHooks } from './request-state.js'
import { HOOKS, METHODS } from './response-hooks.js'

type Methods = Record<Method, Original>

/** A cache, as far as the hooks it put on a prototype are concerned. */
export interface ClosingCache {
  onClose(listener: () => void): void
}

// Each wrapper's original, so a prototype further down the chain (a mounted sub-app's, which
// inherits the parent app's) never wraps larder's own wrapper a second time.
const UNWRAPPED = new WeakMap<Original, Original>()
const INSTALLED = new WeakMap<object, SharedHooks>()

/**
 * larder's writeHead/write/end on a response prototype (an Express app's app.response), put there
 * while a cache that hooked responses through it is open. Responses larder is not capturing (hits,
 * routes without larder) go straight through, without an array of their arguments: every response
 * of the app passes here. When the last of those caches closes, the prototype's own methods are
 * put back, unless something wrapped them after larder (taking larder's out would drop theirs) or a
 * mutation's response is being held (its calls are replayed through the hooks, in order).
 */
class SharedHooks implements PrototypeHooks {
  active = true
  readonly originals: Methods
  private readonly wrappers: Methods
  // Whether the prototype had each method as its own property before (else it inherited it).
  private readonly hadOwn: Record<Method, boolean>
  private readonly users = new Set<ClosingCache>()
  private holding = 0

  constructor(private readonly proto: object) {
    const target = proto as Methods
    const resolve = (m: Method): Original => UNWRAPPED.get(target[m]) ?? target[m]
    this.originals = { writeHead: resolve('writeHead'), write: resolve('write'), end: resolve('end') }
    this.hadOwn = { writeHead: Object.hasOwn(proto, 'writeHead'), write: Object.hasOwn(proto, 'write'), end: Object.hasOwn(proto, 'end') }
    this.wrappers = { writeHead: this.wrap('writeHead'), write: this.wrap('write'), end: this.wrap('end') }
    for (const method of METHODS) target[method] = this.wrappers[method]
  }

  private wrap(method: Method): Original {
    const original = this.originals[method]
    const hook = HOOKS[method]
    const wrapper = function (this: ServerResponse): unknown {
      const state = stateOf(this)
      // eslint-disable-next-line prefer-rest-params
      if (state === undefined || state.prototypeHooks?.active !== true) return original.apply(this, arguments as unknown as unknown[])
      // eslint-disable-next-line prefer-rest-params
      return hook(this, state, Array.prototype.slice.call(arguments))
    }
    UNWRAPPED.set(wrapper, original)
    return wrapper
  }

  /** `cache` hooks responses through these hooks: they stay until it closes. */
  usedBy(cache: ClosingCache): void {
    if (this.users.has(cache)) return
    this.users.add(cache)
    cache.onClose(() => {
      this.users.delete(cache)
      this.removeIfUnused()
    })
  }

  holdStarted(): void {
    this.holding++
  }

  holdEnded(): void {
    this.holding--
    this.removeIfUnused()
  }

  private removeIfUnused(): void {
    if (!this.active || this.users.size > 0 || this.holding > 0) return
    const target = this.proto as Methods
    if (METHODS.some((m) => target[m] !== this.wrappers[m])) return
    // Responses hooked through them and still in flight go on uncaptured: nothing is stored for them.
    this.active = false
    INSTALLED.delete(this.proto)
    for (const method of METHODS) {
      if (this.hadOwn[method]) target[method] = this.originals[method]
      else delete target[method]
    }
  }
}

/** larder's hooks on `proto`, put there if they are not. */
export function sharedHooks(proto: object): SharedHooks {
  let hooks = INSTALLED.get(proto)
  if (hooks === undefined) {
    hooks = new SharedHooks(proto)
    INSTALLED.set(proto, hooks)
  }
  return hooks
}

/**
 * The prototype larder may hook for `res`: its app's app.response, when `res` inherits from it.
 * A mounted sub-app swaps the response's prototype for its own app.response while it handles the
 * request, but Express makes a sub-app's app.response inherit from its parent's, so hooks placed
 * there stay in effect. Apps without larder are left alone.
 */
export function sharedPrototype(app: { response?: object } | undefined, res: ServerResponse): object | undefined {
  const proto = app?.response
  if (proto === undefined || !Object.prototype.isPrototypeOf.call(ServerResponse.prototype, proto) || !Object.prototype.isPrototypeOf.call(proto, res)) return undefined
  return proto
}
