/**
 * Key layout. Every key of a bucket starts with the hash tag `{<prefix>:<bucket>}`, so on a cluster
 * a bucket's entries, indexes and invalidation marks share one slot and one script can check and
 * write them atomically. A cache key always maps to the same bucket (a hash of the key), so `get`
 * finds an entry in one round trip knowing only its key.
 *
 *   {p:b}:e:<key>    entry (binary string, PX = TTL)
 *   {p:b}:all        sorted set: every entry key of the bucket, scored by expiry (ms, server clock)
 *   {p:b}:p:<path>   sorted set: the bucket's entries stored under an index path
 *   {p:b}:t:<tag>    sorted set: the bucket's entries carrying a tag
 *   {p:b}:mk:<key>   invalidation marks: server time (µs) of the last invalidation of a key,
 *   {p:b}:mp:<path>  path or tag, kept for the fill window
 *   {p:b}:mt:<tag>
 *   {p:b}:epoch      the bucket's epoch: server time (µs) just before the first mark since the
 *                    bucket's marks were last lost (flush, restart, expiry), or of the last clear()
 *
 * Lua scripts build the names of keys they discover (entries listed by an index, indexes named in
 * an entry's header) from the same base; `scripts.ts` must follow this layout.
 */

/** 32-bit FNV-1a over the UTF-16 code units: cheap, stable across processes and versions. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Layout {
  private readonly bases: string[]
  // Named on every miss (by mark): built once.
  private readonly epochs: string[]

  constructor(
    readonly prefix: string,
    readonly buckets: number,
  ) {
    this.bases = Array.from({ length: buckets }, (_, b) => `{${prefix}:${b}}:`)
    this.epochs = this.bases.map((base) => base + 'epoch')
  }

  bucketOf(key: string): number {
    return hash32(key) % this.buckets
  }

  /** The `{prefix:bucket}:` every key name of the bucket starts with. */
  base(bucket: number): string {
    return this.bases[bucket]!
  }

  entry(bucket: number, key: string): string {
    return this.base(bucket) + 'e:' + key
  }
  all(bucket: number): string {
    return this.base(bucket) + 'all'
  }
  pathIndex(bucket: number, path: string): string {
    return this.base(bucket) + 'p:' + path
  }
  tagIndex(bucket: number, tag: string): string {
    return this.base(bucket) + 't:' + tag
  }
  keyMark(bucket: number, key: string): string {
    return this.base(bucket) + 'mk:' + key
  }
  pathMark(bucket: number, path: string): string {
    return this.base(bucket) + 'mp:' + path
  }
  tagMark(bucket: number, tag: string): string {
    return this.base(bucket) + 'mt:' + tag
  }
  epoch(bucket: number): string {
    return this.epochs[bucket]!
  }
}
