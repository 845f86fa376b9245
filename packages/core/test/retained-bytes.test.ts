import { afterEach, describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Cache, type MemoryStore, type RequestInfo } from '@larder/core'
import { type CacheEntry, type Outcome } from '@larder/core/adapter'

const caches: Cache[] = []
const stores: MemoryStore[] = []
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close()
  for (const s of stores.splice(0)) s.close()
})

describe('memory store: what it accounts is what it retains', () => {
  /** Fills the rest of Node's current Buffer pool slab, so the next small Buffer starts another. */
  function exhaustPool(): void {
    for (let i = 0; i < 3; i++) Buffer.allocUnsafe(Buffer.poolSize / 2 - 64)
  }

  /** The bytes kept alive by the bodies of `entries`: each distinct ArrayBuffer whole. */
  function retained(entries: CacheEntry[]): number {
    const buffers = new Set(entries.map((e) => e.body.buffer))
    return [...buffers].reduce((n, b) => n + b.byteLength, 0)
  }

  const small = [
    // One small Buffer, from a string: a slice of the pool.
    () => Buffer.from('{"id":1,"name":"small"}'),
    // Chunks joined: Buffer.concat of a small total takes its buffer from the pool too.
    () => Buffer.concat([Buffer.from('<ul>'), Buffer.from('<li>a</li>'.repeat(20)), Buffer.from('</ul>')]),
    () => Buffer.allocUnsafe(300).fill(1),
    // A slice of a large buffer keeps the whole of it.
    () => Buffer.alloc(64 * 1024, 2).subarray(0, 500),
  ]

  it.each(small.map((make, i) => [i, make] as const))('bodies made of small Buffers (kind %i), each on its own pool slab', (_i, make) => {
    const s = memoryStore({ maxBytes: 1024 * 1024 })
    stores.push(s)
    const now = Date.now()
    for (let i = 0; i < 50; i++) {
      exhaustPool()
      const body = make()
      s.set(`k${i}`, { status: 200, headers: { 'content-type': 'text/plain' }, body, storedAt: now, expiresAt: now + 60_000 }, { path: `/p${i}`, tags: [], since: s.mark() })
      exhaustPool()
    }
    const entries = Array.from({ length: 50 }, (_, i) => s.get(`k${i}`)!)
    expect(retained(entries)).toBeLessThanOrEqual(s.stats().bytes!)
    // The bytes are the body's, not a neighbour's in the pool.
    expect(Buffer.from(entries[0]!.body).equals(make())).toBe(true)
  })

  it('a body that owns its whole buffer is kept as it is', () => {
    const s = memoryStore()
    stores.push(s)
    const body = Buffer.alloc(100, 3)
    const now = Date.now()
    s.set('k', { status: 200, headers: {}, body, storedAt: now, expiresAt: now + 60_000 }, { path: '/k', tags: [], since: s.mark() })
    expect(s.get('k')!.body).toBe(body)
  })

  it('through the engine: a body written in small chunks is stored in a buffer of its own size', async () => {
    const c = createCache()
    caches.push(c)
    const get = (): RequestInfo => ({ method: 'GET', url: '/list', headers: {}, host: 'example.test', raw: {} })
    const miss = await c.handle(get(), c.route())
    const fill = (miss as Extract<Outcome, { kind: 'miss' }>).fill!
    fill.start(200, {})
    fill.push('a'.repeat(100))
    fill.push('b'.repeat(100))
    expect(await fill.finish({})).toBe(true)
    const hit = await c.handle(get(), c.route())
    const body = (hit as Extract<Outcome, { kind: 'hit' }>).entry.body
    expect(body.buffer.byteLength).toBe(200)
  })
})
