import { CircuitBreaker } from './breaker.js'
import { isPromise, withDeadline } from './deadline.js'
import { CircuitOpenError, storeFailure } from './errors.js'
import type { ResolvedCacheConfig } from './options.js'
import type { CacheStats } from './stats.js'
import type { ErrorContext, InvalidationTargets, Logger, MaybePromise, Store } from './types.js'

const MAX_MISSED = 1000

function mergeTargets(list: readonly InvalidationTargets[]): InvalidationTargets {
  const keys = new Set<string>()
  const tags = new Set<string>()
  const paths = new Set<string>()
  for (const t of list) {
    for (const k of t.keys ?? []) keys.add(k)
    for (const k of t.tags ?? []) tags.add(k)
    for (const k of t.paths ?? []) paths.add(k)
  }
  return { keys: [...keys], tags: [...tags], paths: [...paths] }
}

// How many caches use each process-local store. A cache sees every write to a local store only if
// it is the store's one user: another cache's writes do not overtake its misses.
const localUsers = new WeakMap<Store, number>()

/**
 * Everything between a cache and its store: each call runs under larder's deadline and circuit
 * breaker, every failure is counted and reported (warning at most once per 10s per operation when
 * nobody listens), and an invalidation the store could not apply is kept and retried, the cache
 * being bypassed until it is applied.
 */
export class StoreGateway {
  /** Whether the store lives in this process (see Store.local): a remote one answers over the network. */
  readonly remote: boolean
  /** Closed with its cache: requests seen afterwards bypass the cache. */
  closed = false
  /**
   * Invalidations the store failed to apply are waiting to be applied. Until they are, the cache is
   * bypassed, so an outage during a write cannot leave old entries to be served once the store is back.
   */
  repairDue = false
  private readonly breaker: CircuitBreaker | undefined
  private readonly lastWarned = new Map<string, number>()
  private missed: InvalidationTargets[] = []
  private missedOverflow = false
  private repairing = false
  private repairTimer: NodeJS.Timeout | undefined

  constructor(
    readonly store: Store,
    readonly config: ResolvedCacheConfig,
    readonly counters: CacheStats,
  ) {
    this.remote = store.local !== true
    if (!this.remote) localUsers.set(store, (localUsers.get(store) ?? 0) + 1)
    this.breaker = config.breaker && new CircuitBreaker(config.breaker.failures, config.breaker.cooldownMs)
  }

  /**
   * Whether this cache sees every write that could make a stored response stale: its store is
   * local and no other cache uses it.
   */
  get seesEveryWrite(): boolean {
    return !this.remote && localUsers.get(this.store) === 1
  }

  /**
   * Runs a store operation (with up to two arguments, so callers need no closure) under larder's
   * deadline and breaker. Throws CircuitOpenError while the breaker is open, unless `evenIfOpen`.
   */
  call<T, A = undefined, B = undefined>(op: string, fn: (a: A, b: B) => MaybePromise<T>, a?: A, b?: B, evenIfOpen = false): MaybePromise<T> {
    const breaker = this.breaker
    if (breaker !== undefined && !evenIfOpen && !breaker.allow()) throw new CircuitOpenError()
    let result: MaybePromise<T>
    try {
      result = fn(a as A, b as B)
    } catch (e) {
      breaker?.failure()
      throw storeFailure(op, e)
    }
    if (!isPromise(result)) {
      if (breaker?.isOpen) breaker.success()
      return result
    }
    if (breaker === undefined) return withDeadline(result, this.config.storeTimeoutMs, op)
    return withDeadline(result, this.config.storeTimeoutMs, op).then(
      (v) => {
        breaker.success()
        return v
      },
      (e: unknown) => {
        if (breaker.failure()) this.report(new CircuitOpenError(e), { op: 'circuit' }, undefined)
        throw e
      },
    )
  }

  /** Counts and reports a failure; never throws. */
  report(error: unknown, context: ErrorContext, logger: Logger | undefined): void {
    this.counters.errors++
    const err = storeFailure(context.op, error)
    try {
      this.config.onError?.(err, context)
    } catch {
      // A failing error callback must not turn a served request into a failed one.
    }
    if (logger) {
      logger.warn({ err, op: context.op, key: context.key }, 'larder: cache operation failed; the request is served by the handler')
    } else if (!this.config.onError) {
      // Without a logger or onError, warn at most once every 10s per operation so an outage is visible but not a flood.
      const now = Date.now()
      if (now - (this.lastWarned.get(context.op) ?? 0) > 10_000) {
        this.lastWarned.set(context.op, now)
        console.warn(`larder: ${context.op} failed (${err.message}); requests are served by their handlers. Pass onError to handle these.`)
      }
    }
  }

  /** Keeps an invalidation the store could not apply, to apply it before the cache is used again. */
  missedInvalidation(targets: InvalidationTargets): void {
    if (this.missedOverflow) return
    if (this.missed.length >= MAX_MISSED) {
      // Too many to replay one by one: clearing the store is the only safe repair.
      this.missed = []
      this.missedOverflow = true
    } else this.missed.push(targets)
    this.repairDue = true
    this.scheduleRepair()
  }

  /** Applies the missed invalidations now (one batch at a time), or clears the store if too many were missed. */
  repair(): void {
    if (this.repairing || this.closed) return
    this.repairing = true
    const overflow = this.missedOverflow
    const batch = this.missed.slice()
    const run = async (): Promise<void> => {
      if (overflow) await this.call('clear', () => this.store.clear())
      else await this.call('invalidate', () => this.store.invalidate(mergeTargets(batch)))
    }
    run().then(
      () => {
        if (overflow) {
          this.missedOverflow = false
          this.missed = []
        } else this.missed.splice(0, batch.length)
        this.repairing = false
        this.repairDue = this.missed.length > 0 || this.missedOverflow
        if (this.repairDue) this.scheduleRepair()
      },
      () => {
        this.repairing = false
        this.scheduleRepair()
      },
    )
  }

  private scheduleRepair(): void {
    if (this.repairTimer !== undefined || this.closed) return
    this.repairTimer = setTimeout(() => {
      this.repairTimer = undefined
      this.repair()
    }, this.config.breaker?.cooldownMs ?? 1000)
    this.repairTimer.unref()
  }

  /** Stops repairing and closes the store. */
  async close(): Promise<void> {
    this.closed = true
    // A closed cache writes no more: a cache left alone on the store sees every write again.
    if (!this.remote) localUsers.set(this.store, localUsers.get(this.store)! - 1)
    if (this.repairTimer !== undefined) clearTimeout(this.repairTimer)
    try {
      await this.store.close()
    } catch (e) {
      throw storeFailure('close', e)
    }
  }
}
