/** Counters since the cache was created. */
export interface CacheStats {
  /** Requests answered from a stored entry (including waiters served a concurrent miss's response). */
  hits: number
  /** GET/HEAD requests that ran the handler because nothing usable was stored. */
  misses: number
  /** Misses that asked the handler to revalidate a stale entry (with its validators). */
  revalidations: number
  /** Revalidations the handler answered 304: the stored response was served, its lifetime renewed. */
  revalidated: number
  /** Stale entries served to clients that allowed it (`max-stale`). */
  staleHits: number
  /** Entries written to the store. */
  stores: number
  /** Invalidation operations (mutations and `cache.invalidate` calls). */
  invalidations: number
  /** Entries removed by invalidations. */
  invalidatedEntries: number
  /** Requests that skipped the cache (Authorization, request body, store failure, opt-out, …). */
  bypasses: number
  /** Store errors and timeouts, and errors thrown by user functions (tags, key). */
  errors: number
  /** Concurrent misses that waited for another request's response instead of running the handler. */
  coalesced: number
  /** Fills refused because an invalidation touched them while their handler ran. */
  staleFillsRefused: number
  /** Misses whose handler is running now, with others possibly waiting on them (a gauge). */
  inFlight: number
  /** Store-specific gauges, when the store reports them. */
  store?: Record<string, number>
}

export function emptyStats(): CacheStats {
  return { hits: 0, misses: 0, revalidations: 0, revalidated: 0, staleHits: 0, stores: 0, invalidations: 0, invalidatedEntries: 0, bypasses: 0, errors: 0, coalesced: 0, staleFillsRefused: 0, inFlight: 0 }
}
