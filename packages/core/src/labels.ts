/**
 * What the status header says: HIT, MISS, BYPASS; REVALIDATED when the handler answered a stale
 * entry's revalidation with 304 and the entry was served; STALE when a stale entry was served to
 * a client that allowed it (`max-stale`).
 */
export const OUTCOME_LABELS = { hit: 'HIT', miss: 'MISS', bypass: 'BYPASS', revalidated: 'REVALIDATED', stale: 'STALE' } as const
