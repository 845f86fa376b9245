import { FILL_WINDOW_MS, type CacheEntry, type EntryMeta, type InvalidationTargets, type Store } from '@larder/core/store'
import { decodeEntry, encodeEntry } from './codec.js'
import { Connection, RedisStoreUnavailableError } from './connection.js'
import { Layout } from './layout.js'
import { resolveOptions, type RedisStoreOptions } from './options.js'
import { SCRIPTS } from './scripts.js'

/**
 * Invalidation marks outlive the fill window a little, so the window check, not a lost mark, refuses
 * old fills. Each fill's fence (the mark script) renews its bucket's epoch for as long, so no fill
 * still in its window outlives its epoch.
 */
const MARK_TTL = String(FILL_WINDOW_MS + 1000)
const WINDOW_US = String(FILL_WINDOW_MS * 1000)
/**
 * How often a store with several buckets renews every bucket's epoch. A fill's own fence renews only
 * its key's bucket, but a Vary variant's entry may hash to another, which must then have an epoch
 * older than the fence; the renewal keeps one there (well within MARK_TTL) while any process runs.
 */
const EPOCH_RENEWAL_MS = 20_000
/** Entries a clear() script removes per bucket and call, so one call never blocks Redis for long. */
const CLEAR_BATCH = '200'

const ignore = (): void => undefined

function unique(list: readonly string[] | undefined): string[] {
  return list === undefined || list.length === 0 ? [] : [...new Set(list)]
}

/**
 * A shared store on Redis or Redis Cluster. Entries are spread over `buckets` hash-tagged buckets
 * (bucket = hash(key)); everything a fill must check and write lives in its bucket, so one Lua
 * script checks the invalidation marks and writes the entry atomically on the node owning it.
 */
export class RedisStore implements Store {
  readonly name = 'redis'
  private readonly layout: Layout
  private readonly conn: Connection
  private readonly everyBucket: number[]
  /** maxVariantsPerPath split over the buckets a path's variants hash to, as a script argument. */
  private readonly variantsPerBucket: string
  private readonly renewal: NodeJS.Timeout | undefined
  private closed = false

  constructor(options: RedisStoreOptions) {
    const o = resolveOptions(options)
    this.layout = new Layout(o.prefix, o.buckets)
    this.conn = new Connection(o.client, o.maxInFlight, o.commandTimeoutMs)
    this.everyBucket = Array.from({ length: o.buckets }, (_, b) => b)
    this.variantsPerBucket = String(Math.ceil(o.maxVariantsPerPath / o.buckets))
    if (o.buckets > 1) {
      this.renewEpochs()
      this.renewal = setInterval(() => this.renewEpochs(), EPOCH_RENEWAL_MS).unref()
    }
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    if (this.closed) return undefined
    const name = this.layout.entry(this.layout.bucketOf(key), key)
    const value = await this.conn.send<Buffer | null>(name, ['GET', name], true)
    return value === null ? undefined : decodeEntry(value)
  }

  /**
   * A fill's fence: the server time (µs) of the node holding the key's bucket, by whose clock its
   * invalidation marks are stamped. It also renews the bucket's epoch (see `scripts.ts`), which `set` requires.
   */
  async mark(key: string, _path?: string): Promise<number> {
    this.assertOpen()
    const [s, us] = await this.conn.run<[string, string]>(SCRIPTS.mark, [this.layout.epoch(this.layout.bucketOf(key))], [MARK_TTL])
    return Number(s) * 1_000_000 + Number(us)
  }

  async set(key: string, entry: CacheEntry, meta: EntryMeta): Promise<boolean> {
    if (this.closed || !Number.isSafeInteger(meta.since)) return false
    const ttl = Math.ceil(entry.expiresAt - Date.now())
    if (ttl <= 0) return false
    const l = this.layout
    const b = l.bucketOf(key)
    const tags = unique(meta.tags)
    const keys = [l.entry(b, key), l.all(b), l.pathIndex(b, meta.path), l.epoch(b), l.keyMark(b, key), l.pathMark(b, meta.path)]
    for (const tag of tags) keys.push(l.tagIndex(b, tag), l.tagMark(b, tag))
    const args = [l.base(b), key, String(meta.since), String(ttl), WINDOW_US, this.variantsPerBucket, encodeEntry(entry, meta.path, tags), MARK_TTL]
    return (await this.conn.run<number>(SCRIPTS.set, keys, args)) === 1
  }

  /**
   * Keys are removed in their own bucket; a path's variants and a tag's entries may be in any
   * bucket, so those visit every bucket: in one script on a single node, in one script per bucket
   * on a cluster (sent together; the masters run them in parallel).
   */
  async invalidate(targets: InvalidationTargets): Promise<number> {
    this.assertOpen()
    const paths = unique(targets.paths)
    const tags = unique(targets.tags)
    const keysByBucket = new Map<number, string[]>()
    for (const key of unique(targets.keys)) {
      const b = this.layout.bucketOf(key)
      const list = keysByBucket.get(b)
      if (list === undefined) keysByBucket.set(b, [key])
      else list.push(key)
    }
    const buckets = paths.length + tags.length > 0 ? this.everyBucket : [...keysByBucket.keys()]
    const counts = await Promise.all(
      this.calls(buckets).map((group) => {
        const l = this.layout
        const names: string[] = []
        const args = [MARK_TTL]
        for (const b of group) {
          const keys = keysByBucket.get(b) ?? []
          for (const key of keys) names.push(l.entry(b, key), l.keyMark(b, key))
          for (const path of paths) names.push(l.pathIndex(b, path), l.pathMark(b, path))
          for (const tag of tags) names.push(l.tagIndex(b, tag), l.tagMark(b, tag))
          args.push(l.base(b), String(keys.length), String(paths.length + tags.length), ...keys)
        }
        return this.conn.run<number>(SCRIPTS.invalidate, names, args)
      }),
    )
    return counts.reduce((n, c) => n + c, 0)
  }

  /** Removes every entry (in batches, every bucket at once) and refuses every fill fenced before. */
  async clear(): Promise<void> {
    this.assertOpen()
    const l = this.layout
    await Promise.all(
      this.calls(this.everyBucket).map(async (group) => {
        const names = group.flatMap((b) => [l.all(b), l.epoch(b)])
        const args = [MARK_TTL, CLEAR_BATCH, ...group.map((b) => l.base(b))]
        while ((await this.conn.run<number>(SCRIPTS.clear, names, args)) > 0) {
          // more entries than one batch: go on
        }
      }),
    )
  }

  /** Stops using the client (it is the caller's to quit). Later gets miss and sets store nothing. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.renewal)
    this.conn.detach()
  }

  stats(): Record<string, number> {
    return { buckets: this.layout.buckets, inFlight: this.conn.inFlight, ...this.conn.counters }
  }

  /** Best effort: a bucket whose epoch is missing when a fill arrives refuses that fill and makes one. */
  private renewEpochs(): void {
    for (const group of this.calls(this.everyBucket)) {
      this.conn.run(SCRIPTS.mark, group.map((b) => this.layout.epoch(b)), [MARK_TTL]).catch(ignore)
    }
  }

  /** How buckets are grouped into script calls: one call per bucket on a cluster (one slot each), one call in all on a single node. */
  private calls(buckets: number[]): number[][] {
    if (buckets.length === 0) return []
    return this.conn.clustered ? buckets.map((b) => [b]) : [buckets]
  }

  private assertOpen(): void {
    if (this.closed) throw new RedisStoreUnavailableError('the store is closed')
  }
}

/**
 * A larder store on Redis: `createCache({ store: redisStore({ client }) })` with a connected
 * node-redis v5 client or cluster. Options are checked here, once.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options)
}
