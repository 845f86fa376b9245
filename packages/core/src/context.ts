import type { ResolvedCacheConfig } from './options.js'
import type { CacheStats } from './stats.js'
import type { ErrorContext, InvalidationTargets, Logger, MaybePromise, Store } from './types.js'

/** What fills and mutations need from the engine that created them. */
export interface EngineContext {
  readonly store: Store
  readonly config: ResolvedCacheConfig
  readonly counters: CacheStats
  /** Counts and reports a failure; never throws. */
  report(error: unknown, context: ErrorContext, logger: Logger | undefined): void
  /**
   * Runs a store operation (with up to two arguments, so callers need no closure) under larder's
   * deadline and breaker. `evenIfOpen`: the operation goes out while the breaker is open too.
   */
  call<T, A = undefined, B = undefined>(op: string, fn: (a: A, b: B) => MaybePromise<T>, a?: A, b?: B, evenIfOpen?: boolean): MaybePromise<T>
  /** An invalidation was applied (or failed): the misses in flight it touches are overtaken. */
  invalidated(targets: InvalidationTargets): void
  /** An invalidation the store could not apply: it is retried, and the cache bypassed, until it is. */
  missedInvalidation(targets: InvalidationTargets): void
}
