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
  /** Runs a store operation under larder's deadline; a sync throw becomes a rejection. */
  call<T>(op: string, fn: () => MaybePromise<T>): MaybePromise<T>
  /** An invalidation the store could not apply: it is retried, and the cache bypassed, until it is. */
  missedInvalidation(targets: InvalidationTargets): void
}
