// @larder/core/store, for store authors: the Store contract and what it is made of (see "Writing a
// store" in the README; @larder/store-tests checks a store against it).
export type { CacheEntry, EntryMeta, InvalidationTargets, MaybePromise, Store } from './types.js'
export { FILL_WINDOW_MS } from './memory-store.js'
export { parseDuration, type Duration } from './duration.js'
export { LarderError, LarderOptionError, StoreTimeoutError, show } from './errors.js'
