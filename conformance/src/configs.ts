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

export const CONFIGS: readonly RowConfig[] = [
  { name: 'default', description: 'createCache() defaults', options: {} },
  {
    name: 'rfc',
    description: 'what a user who wants RFC 9111 behaviour sets',
    options: {
      requireFreshness: true,
      clientCacheControl: true,
      cdnCacheControl: true,
      // 206 is refused by design (a partial response is not the whole resource).
      statuses: [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501],
      ttl: '1ms',
    },
  },
]

export function cacheOptions(row: RowConfig): CacheOptions {
  return { ...row.options } as CacheOptions
}
