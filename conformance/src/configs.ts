import type { CacheOptions } from '@larder/core'

/**
 * The configurations ("rows") larder is scored in. Options are passed to createCache as written:
 * an option this larder does not know makes createCache throw, and the row is reported as skipped
 * with that error, so options can be listed here before they land.
 */
export interface RowConfig {
  /** Row name in the table: larder-<adapter> <name>. */
  name: string
  description: string
  options: Record<string, unknown>
}

const ALL_FINAL_STATUSES = Array.from({ length: 400 }, (_, i) => 200 + i).filter((s) => s !== 206 && s !== 304)

export const CONFIGS: readonly RowConfig[] = [
  { name: 'default', description: 'createCache() defaults', options: {} },
  {
    name: 'rfc',
    description: 'what a user who wants RFC 9111 behaviour sets',
    options: {
      requireFreshness: true,
      clientCacheControl: true,
      cdnCacheControl: true,
      // Any final status with explicit freshness may be stored (RFC 9111 §3); requireFreshness keeps
      // out those without. 206 is refused by design (a partial response is not the whole resource),
      // and a 304 is an answer to a condition, not a representation.
      statuses: ALL_FINAL_STATUSES,
    },
  },
]

export function cacheOptions(row: RowConfig): CacheOptions {
  return { ...row.options } as CacheOptions
}
