// @larder/core, for applications: create a cache, pick or configure its store, handle its errors.
// Adapter authors import '@larder/core/adapter'; store authors '@larder/core/store'.
export { createCache, type Cache, type InvalidateOptions } from './cache.js'
export { memoryStore, MemoryStore, type MemoryStoreOptions } from './memory-store.js'
export type { Duration } from './duration.js'
export { LarderError, LarderOptionError, StoreTimeoutError, StoreError, CircuitOpenError, CallbackError, TagLimitError } from './errors.js'
export type { KeyOptions } from './key.js'
export type { QueryOption } from './query.js'
export type { CacheOptions, RouteOptions, TagSource } from './options.js'
export type { CacheStats } from './stats.js'
export type { ErrorContext, Logger, RequestInfo, Store } from './types.js'
export { MAX_LIFETIME_SECONDS } from './freshness.js'
