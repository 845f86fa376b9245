import type { CacheEntry, EntryMeta, InvalidationTargets, Store } from '@larder/core/store'

interface Stored {
  entry: CacheEntry
  path: string
  tags: readonly string[]
}

/**
 * A larder store on a plain Map: short, not fast (an invalidation looks at every entry), and
 * keeping the whole contract. The part a first attempt misses is the fill race: `set()` must
 * refuse an entry whose key, path or tag was invalidated after its `mark()`, so the store counts
 * its own invalidations and remembers when each key, path and tag was last invalidated.
 */
export class MapStore implements Store {
  readonly name = 'map'
  private readonly entries = new Map<string, Stored>()
  private clock = 0
  // Last invalidation of each key ('k:'), path ('p:') and tag ('t:'), on `clock`. Never forgotten
  // here; a store that forgets old records must refuse fills marked before what it forgot.
  private readonly invalidatedAt = new Map<string, number>()
  private clearedAt = 0
  private closed = false

  get(key: string): CacheEntry | undefined {
    const stored = this.entries.get(key)
    if (stored === undefined || this.closed) return undefined
    if (stored.entry.expiresAt <= Date.now()) {
      this.entries.delete(key)
      return undefined
    }
    return stored.entry
  }

  mark(_key: string, _path: string): number {
    return this.clock
  }

  set(key: string, entry: CacheEntry, meta: EntryMeta): boolean {
    if (this.closed || this.clearedAt > meta.since) return false
    const names = [`k:${key}`, `p:${meta.path}`, ...meta.tags.map((tag) => `t:${tag}`)]
    if (names.some((name) => (this.invalidatedAt.get(name) ?? 0) > meta.since)) return false
    this.entries.set(key, { entry, path: meta.path, tags: meta.tags })
    return true
  }

  invalidate(targets: InvalidationTargets): number {
    const keys = new Set(targets.keys)
    const paths = new Set(targets.paths)
    const tags = new Set(targets.tags)
    const at = ++this.clock
    for (const key of keys) this.invalidatedAt.set(`k:${key}`, at)
    for (const path of paths) this.invalidatedAt.set(`p:${path}`, at)
    for (const tag of tags) this.invalidatedAt.set(`t:${tag}`, at)
    let removed = 0
    for (const [key, stored] of this.entries) {
      if (keys.has(key) || paths.has(stored.path) || stored.tags.some((tag) => tags.has(tag))) {
        this.entries.delete(key)
        removed++
      }
    }
    return removed
  }

  clear(): void {
    this.entries.clear()
    this.clearedAt = ++this.clock
  }

  close(): void {
    this.closed = true
    this.entries.clear()
  }
}
