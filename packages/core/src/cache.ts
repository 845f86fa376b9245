import { memoryStore } from './memory-store.js'
import { Mutation, runInvalidation } from './mutation.js'
import { Lookup } from './lookup.js'
import { isUnsafeMethod } from './methods.js'
import { resolveCacheOptions, resolveRoute, type CacheOptions, type ResolvedCacheConfig, type ResolvedRoute, type RouteOptions } from './options.js'
import { PASS, Write, type Outcome } from './outcome.js'
import { indexPath } from './paths.js'
import { Flights } from './single-flight.js'
import { emptyStats, type CacheStats } from './stats.js'
import { StoreGateway } from './store-gateway.js'
import type { Logger, MaybePromise, RequestInfo, Store } from './types.js'

export type { Outcome } from './outcome.js'

export { OUTCOME_LABELS } from './labels.js'

export interface InvalidateOptions {
  tags?: readonly string[]
  /** Paths as requests use them (`/users/42`): every cached variant of each is removed. */
  paths?: readonly string[]
  /** Exact cache keys. */
  keys?: readonly string[]
}

export interface Cache<R = any> {
  readonly config: ResolvedCacheConfig
  readonly store: Store
  /** Validates route options once, at setup. `where` names the route in error messages. */
  route(options?: RouteOptions<R> | boolean, where?: string): ResolvedRoute<R>
  /**
   * Decides what to do with a request. Synchronous when the store is (a memory hit never awaits).
   * Asked again for a request it has already handled (same `info.raw`), the request never waits on
   * the miss it leads itself.
   */
  handle(info: RequestInfo<R>, route: ResolvedRoute<R>, logger?: Logger): MaybePromise<Outcome>
  /**
   * The key `route` caches the request under, or undefined if its key function throws. For an
   * adapter that may see a request in two larders, to tell whether a miss can be taken over as is
   * (see `Fill.retarget`).
   */
  keyOf(info: RequestInfo<R>, route: ResolvedRoute<R>): string | undefined
  /** Whether `outcome` is one this cache reached (and counted), for an adapter that may see a request in larders of several caches. */
  owns(outcome: Outcome): boolean
  /** Removes entries by tag, path (all variants) or key. Rejects if the store fails, after reporting it. */
  invalidate(targets: InvalidateOptions): Promise<number>
  stats(): CacheStats
  /** Calls `listener` once, when the cache closes (before its store does; at once if it has closed), for an adapter to undo what it set up. */
  onClose(listener: () => void): void
  /** Closes the store. Requests seen afterwards bypass the cache. */
  close(): Promise<void>
}

class LarderCache implements Cache {
  readonly config: ResolvedCacheConfig
  readonly store: Store
  private readonly counters: CacheStats = emptyStats()
  private readonly defaults: ResolvedRoute
  private readonly flights = new Flights()
  private readonly gateway: StoreGateway
  private readonly lookup: Lookup
  private closeListeners: Array<() => void> = []

  constructor(options: CacheOptions | undefined) {
    const { config, defaults, store } = resolveCacheOptions(options)
    this.config = config
    this.defaults = defaults
    this.store = store ?? memoryStore()
    this.gateway = new StoreGateway(this.store, config, this.counters)
    this.lookup = new Lookup(this.gateway, this.flights, config, this.counters)
  }

  route(options?: RouteOptions | boolean, where = ''): ResolvedRoute {
    return resolveRoute(options, this.defaults, this.config, where)
  }

  handle(info: RequestInfo, route: ResolvedRoute, logger?: Logger): MaybePromise<Outcome> {
    const method = info.method
    if (method === 'GET' || method === 'HEAD') return this.lookup.read(info, route, logger)
    if (isUnsafeMethod(method)) return new Write(new Mutation(this.gateway, this.flights, route, info, logger), this.counters)
    return PASS
  }

  keyOf(info: RequestInfo, route: ResolvedRoute): string | undefined {
    try {
      return route.target(info).key
    } catch {
      return undefined
    }
  }

  owns(outcome: Outcome): boolean {
    return (outcome as { owner?: unknown }).owner === this.counters
  }

  async invalidate(targets: InvalidateOptions): Promise<number> {
    const t = targets ?? {}
    const paths = t.paths?.map(indexPath)
    const out: { tags?: readonly string[]; paths?: readonly string[]; keys?: readonly string[] } = {}
    if (t.tags?.length) out.tags = t.tags
    if (paths?.length) out.paths = paths
    if (t.keys?.length) out.keys = t.keys
    return runInvalidation(this.gateway, this.flights, out, undefined)
  }

  stats(): CacheStats {
    const s = { ...this.counters, inFlight: this.flights.size }
    const store = this.store.stats?.()
    if (store) s.store = store
    return s
  }

  onClose(listener: () => void): void {
    // Already closed: what the adapter set up for a request seen afterwards comes straight off.
    if (this.gateway.closed) listener()
    else this.closeListeners.push(listener)
  }

  async close(): Promise<void> {
    if (this.gateway.closed) return
    const closing = this.gateway.close()
    const listeners = this.closeListeners
    this.closeListeners = []
    for (const listener of listeners) listener()
    await closing
  }
}

/** Creates a cache: the options are validated here, once; a bad one throws a LarderOptionError naming it. */
export function createCache<R = any>(options?: CacheOptions<R>): Cache<R> {
  return new LarderCache(options as CacheOptions | undefined) as Cache<R>
}
