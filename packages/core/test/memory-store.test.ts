import { afterEach, describe, expect, it, vi } from 'vitest'
import { memoryStore, type MemoryStore } from '@larder/core'
import { type CacheEntry } from '@larder/core/adapter'
import { FILL_WINDOW_MS } from '@larder/core/store'

function entry(bytes = 100, ttlMs = 60_000): CacheEntry {
  const now = Date.now()
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(bytes, 7), storedAt: now, expiresAt: now + ttlMs }
}

const stores: MemoryStore[] = []
function store(options?: Parameters<typeof memoryStore>[0]): MemoryStore {
  const s = memoryStore(options)
  stores.push(s)
  return s
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
  vi.useRealTimers()
})

describe('memoryStore', () => {
  it('evicts the least recently used entry when maxEntries is reached', () => {
    const s = store({ maxEntries: 3 })
    for (const k of ['a', 'b', 'c']) s.set(k, entry(), { path: '/' + k, tags: [], since: s.mark() })
    s.get('a')
    s.set('d', entry(), { path: '/d', tags: [], since: s.mark() })
    expect(s.get('b')).toBeUndefined()
    expect(s.get('a')).toBeDefined()
    expect(s.get('c')).toBeDefined()
    expect(s.stats().evictions).toBe(1)
  })

  it('stays within maxBytes', () => {
    const s = store({ maxBytes: 100_000 })
    for (let i = 0; i < 1000; i++) {
      s.set('k' + i, entry(1000), { path: '/p' + i, tags: ['t' + (i % 10)], since: s.mark() })
      expect(s.stats().bytes).toBeLessThanOrEqual(100_000)
    }
    expect(s.stats().entries).toBeGreaterThan(50)
    expect(s.get('k999')).toBeDefined()
  })

  it('does not store an entry larger than maxBytes', () => {
    const s = store({ maxBytes: 2048 })
    expect(s.set('big', entry(4096), { path: '/', tags: [], since: s.mark() })).toBe(false)
    expect(s.get('big')).toBeUndefined()
  })

  it('frees index slots on eviction: a million distinct keys leave nothing behind', () => {
    const s = store({ maxEntries: 1000 })
    const e = entry(10)
    for (let i = 0; i < 1_000_000; i++) s.set('key' + i, e, { path: '/item/' + i, tags: ['tag' + i], since: s.mark() })
    const stats = s.stats()
    expect(stats.entries).toBe(1000)
    expect(stats.paths).toBe(1000)
    expect(stats.tags).toBe(1000)
    expect(stats.expiryBuckets).toBeLessThanOrEqual(1000)
  })

  it('expires entries and frees their indexes without them being read again', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const s = store()
    for (let i = 0; i < 100; i++) s.set('k' + i, entry(10, 2000), { path: '/p' + i, tags: ['t'], since: s.mark() })
    expect(s.stats().entries).toBe(100)
    vi.advanceTimersByTime(1500)
    expect(s.stats().entries).toBe(100)
    vi.advanceTimersByTime(1600)
    expect(s.stats()).toMatchObject({ entries: 0, paths: 0, tags: 0, expiryBuckets: 0, bytes: 0 })
  })

  it('never returns an expired entry, even before the sweep', () => {
    const s = store()
    s.set('k', { ...entry(), expiresAt: Date.now() - 1 }, { path: '/', tags: [], since: s.mark() })
    expect(s.get('k')).toBeUndefined()
  })

  it('invalidates by key, path (every variant) and tag, and counts what it removed', () => {
    const s = store()
    s.set('/u/1?a', entry(), { path: '/u/1', tags: ['user:1'], since: s.mark() })
    s.set('/u/1?b', entry(), { path: '/u/1', tags: [], since: s.mark() })
    s.set('/feed', entry(), { path: '/feed', tags: ['user:1', 'feed'], since: s.mark() })
    s.set('/other', entry(), { path: '/other', tags: [], since: s.mark() })
    expect(s.invalidate({ paths: ['/u/1'] })).toBe(2)
    expect(s.invalidate({ tags: ['user:1'] })).toBe(1)
    expect(s.invalidate({ keys: ['/other', '/missing'] })).toBe(1)
    expect(s.stats()).toMatchObject({ entries: 0, tags: 0, paths: 0 })
  })

  it('keeps a path index right as a path goes from one variant to several and back', () => {
    const s = store({ maxVariantsPerPath: 2 })
    const put = (key: string): boolean => s.set(key, entry(), { path: '/p', tags: [], since: s.mark() })
    put('/p?1')
    // Replacing the only variant must not leave the old node, or a second slot, behind.
    put('/p?1')
    expect(s.stats()).toMatchObject({ entries: 1, paths: 1 })
    put('/p?2')
    // A third variant evicts the oldest, '/p?1', and only it.
    put('/p?3')
    expect(s.get('/p?1')).toBeUndefined()
    expect(s.get('/p?2')).toBeDefined()
    expect(s.stats()).toMatchObject({ entries: 2, evictions: 1 })
    // Down to one variant, then back up: the path still finds every variant it holds.
    expect(s.invalidate({ keys: ['/p?2'] })).toBe(1)
    put('/p?4')
    expect(s.invalidate({ paths: ['/p'] })).toBe(2)
    expect(s.stats()).toMatchObject({ entries: 0, paths: 0 })
    // A path with a single variant is removed by its key as cleanly.
    put('/p?5')
    expect(s.invalidate({ keys: ['/p?5'] })).toBe(1)
    expect(s.stats()).toMatchObject({ entries: 0, paths: 0 })
  })

  it('invalidates without walking the cache: cost follows what is removed', () => {
    const s = store({ maxBytes: 1024 * 1024 * 1024 })
    const e = entry(10)
    for (let i = 0; i < 100_000; i++) s.set('k' + i, e, { path: '/p' + (i % 50_000), tags: ['t' + (i % 50_000)], since: s.mark() })
    // Count every iteration over any large Map or Set while invalidating.
    let largeWalks = 0
    const spied: Array<[object, PropertyKey, unknown]> = []
    for (const proto of [Map.prototype, Set.prototype] as object[]) {
      for (const name of ['forEach', 'keys', 'values', 'entries', Symbol.iterator]) {
        const original = (proto as Record<PropertyKey, unknown>)[name] as (...a: unknown[]) => unknown
        spied.push([proto, name, original])
        ;(proto as Record<PropertyKey, unknown>)[name] = function (this: Map<unknown, unknown>, ...args: unknown[]) {
          if (this.size > 100) largeWalks++
          return original.apply(this, args)
        }
      }
    }
    let removed: number
    try {
      removed = s.invalidate({ tags: ['t7'], paths: ['/p8'], keys: ['k9'] })
    } finally {
      for (const [proto, name, original] of spied) (proto as Record<PropertyKey, unknown>)[name] = original
    }
    expect(removed).toBe(5)
    expect(largeWalks).toBe(0)
  })

  describe('fill-race check', () => {
    it('refuses an entry whose path, tag or key was invalidated after its mark', () => {
      const s = store()
      for (const target of [{ paths: ['/u/1'] }, { tags: ['user:1'] }, { keys: ['k'] }]) {
        const since = s.mark()
        s.invalidate(target)
        expect(s.set('k', entry(), { path: '/u/1', tags: ['user:1'], since })).toBe(false)
      }
    })

    it('accepts an entry when only unrelated things were invalidated', () => {
      const s = store()
      const since = s.mark()
      s.invalidate({ paths: ['/u/2'], tags: ['user:2'], keys: ['other'] })
      expect(s.set('k', entry(), { path: '/u/1', tags: ['user:1'], since })).toBe(true)
    })

    it('refuses fills older than the forgotten invalidations', () => {
      vi.useFakeTimers({ now: 5_000_000 })
      const s = store()
      const since = s.mark()
      s.invalidate({ paths: ['/x'] })
      vi.advanceTimersByTime(FILL_WINDOW_MS + 2000)
      expect(s.stats().invalidationMarks).toBe(0)
      expect(s.set('k', entry(10, 10 * FILL_WINDOW_MS), { path: '/y', tags: [], since })).toBe(false)
      expect(s.set('k', entry(10, 10 * FILL_WINDOW_MS), { path: '/y', tags: [], since: s.mark() })).toBe(true)
    })

    it('clear() removes everything and refuses fills marked before it', () => {
      const s = store()
      s.set('a', entry(), { path: '/a', tags: ['t'], since: s.mark() })
      const since = s.mark()
      s.clear()
      expect(s.get('a')).toBeUndefined()
      expect(s.set('b', entry(), { path: '/b', tags: [], since })).toBe(false)
      expect(s.set('b', entry(), { path: '/b', tags: [], since: s.mark() })).toBe(true)
    })
  })
})
