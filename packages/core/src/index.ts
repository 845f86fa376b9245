export { createCache, STATUS, type Cache, type InvalidateOptions, type Outcome } from './cache.js'
export { memoryStore, MemoryStore, FILL_WINDOW_MS, type MemoryStoreOptions } from './memory-store.js'
export { parseDuration, type Duration } from './duration.js'
export { LarderError, LarderOptionError, StoreTimeoutError, StoreError, CircuitOpenError, CallbackError, show } from './errors.js'
export type { Fill } from './fill.js'
export { connectionClosed, type NodeResponse } from './connection.js'
export type { Mutation } from './mutation.js'
export { askForWholeResponse } from './conditional.js'
export type { KeyOptions } from './key.js'
export type { QueryOption } from './query.js'
export type { CacheOptions, RouteOptions, ResolvedRoute, ResolvedCacheConfig, TagSource } from './options.js'
export type { CacheStats } from './stats.js'
export { indexPath, parentPath } from './paths.js'
export { replayHeaders } from './replay.js'
export type {
  CacheEntry,
  EntryMeta,
  ErrorContext,
  HeaderSink,
  HeaderSource,
  HeaderValue,
  InvalidationTargets,
  Logger,
  MaybePromise,
  RequestHeaders,
  RequestInfo,
  ResponseHeaders,
  Store,
} from './types.js'
export { clientDirective } from './policy.js'
export { MAX_LIFETIME_SECONDS } from './freshness.js'
