import type { Store } from '@larder/core'
import type { CacheEntry } from '@larder/core/adapter'
import { redisStore } from '@larder/redis'
import { describeRedis, uniquePrefix, useRedisClusterClient } from '@larder/testkit'
import { expect, it } from 'vitest'
import { Layout } from '../src/layout.js'

function entry(text: string): CacheEntry {
  const now = Date.now()
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from(text), storedAt: now, expiresAt: now + 60_000 }
}

async function put(s: Store, key: string, path: string, tags: string[]): Promise<boolean> {
  return s.set(key, entry(key), { path, tags, since: await s.mark(key, path) })
}

// These tests read and kill the masters themselves, so they always run on a cluster they start.
describeRedis('redis store on a 3-master cluster', 'own-cluster', () => {
  const redis = useRedisClusterClient('own-cluster')

  /**
   * A prefix under which `keys` live on at least `masters` different masters, and the port of the
   * master holding each key's bucket (found on the harness cluster, not through the store).
   */
  async function spread(keys: string[], masters: number): Promise<{ prefix: string; where: Map<string, number> }> {
    const cluster = redis.cluster
    for (let attempt = 0; attempt < 20; attempt++) {
      const prefix = uniquePrefix('cluster')
      const layout = new Layout(prefix, 16)
      const owner = new Map<number, number>()
      for (let b = 0; b < 16; b++) owner.set(b, (await cluster.nodeFor(layout.base(b))).port)
      const where = new Map(keys.map((key) => [key, owner.get(layout.bucketOf(key))!]))
      if (new Set(where.values()).size >= masters) return { prefix, where }
    }
    throw new Error(`no prefix spread the keys over ${masters} masters`)
  }

  it('removes, with one invalidation, a tag whose entries live on different masters', async () => {
    const keys = Array.from({ length: 48 }, (_, i) => `larder:GET:/products/${i}|@shop`)
    const { prefix, where } = await spread(keys, 3)
    const s = redisStore({ client: redis.client, prefix })
    for (const [i, key] of keys.entries()) expect(await put(s, key, `/products/${i}`, ['products', `product:${i}`])).toBe(true)
    for (const key of keys) expect(await s.get(key)).toBeDefined()

    expect(await s.invalidate({ tags: ['products'] })).toBe(keys.length)
    for (const key of keys) expect(await s.get(key)).toBeUndefined()
    // Checked on each master directly, not through the store.
    const layout = new Layout(prefix, 16)
    for (const key of keys) {
      const node = redis.cluster.nodes.find((n) => n.port === where.get(key))!
      expect(await node.cli('EXISTS', layout.entry(layout.bucketOf(key), key))).toBe('0')
    }
  })

  it('removes every variant of a path although the variants live on different masters', async () => {
    const variants = Array.from({ length: 24 }, (_, i) => `larder:GET:/search?q=${i}|@shop`)
    const { prefix } = await spread(variants, 2)
    const s = redisStore({ client: redis.client, prefix })
    for (const key of variants) await put(s, key, '/search', [])
    await put(s, 'larder:GET:/search/advanced|@shop', '/search/advanced', [])
    expect(await s.invalidate({ paths: ['/search'] })).toBe(variants.length)
    for (const key of variants) expect(await s.get(key)).toBeUndefined()
    expect(await s.get('larder:GET:/search/advanced|@shop')).toBeDefined()
  })

  it('refuses a fill invalidated on another master\'s bucket set, and clears every master', async () => {
    const s = redisStore({ client: redis.client, prefix: uniquePrefix('cluster-race') })
    const marks = new Map<string, number>()
    const keys = Array.from({ length: 16 }, (_, i) => `larder:GET:/orders/${i}`)
    for (const key of keys) marks.set(key, await s.mark(key, '/orders'))
    await s.invalidate({ tags: ['orders'] })
    for (const key of keys) expect(await s.set(key, entry(key), { path: '/orders', tags: ['orders'], since: marks.get(key)! })).toBe(false)
    for (const key of keys) await put(s, key, '/orders', ['orders'])
    await s.clear()
    for (const key of keys) expect(await s.get(key)).toBeUndefined()
  })

  it('splits maxVariantsPerPath over the buckets, so a path invalidation visiting every master removes at most that many', async () => {
    const s = redisStore({ client: redis.client, prefix: uniquePrefix('cluster-variants'), maxVariantsPerPath: 32 })
    for (let i = 0; i < 200; i += 50) {
      const batch = Array.from({ length: 50 }, (_, j) => put(s, `larder:GET:/feed?page=${i + j}`, '/feed', []))
      expect(await Promise.all(batch)).toEqual(Array(50).fill(true))
    }
    // 2 per bucket; the keys are fixed, so is how they hash: every bucket got at least 2.
    expect(await s.invalidate({ paths: ['/feed'] })).toBe(32)
  })

  it('a master that loses its marks (FLUSHALL) refuses the fills marked before, also one marked in a bucket of another master', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `larder:GET:/flushed/${i}`)
    const { prefix, where } = await spread(keys, 2)
    const s = redisStore({ client: redis.client, prefix })
    const marked = keys[0]!
    // A Vary variant's key can hash to a bucket on another master than its primary key's mark.
    const variant = keys.find((k) => where.get(k) !== where.get(marked))!
    const since = await s.mark(marked, '/flushed')
    await s.invalidate({ paths: ['/flushed'] })
    await redis.cluster.nodes.find((n) => n.port === where.get(variant))!.cli('FLUSHALL')
    expect(await s.set(variant, entry('old'), { path: '/flushed', tags: [], since })).toBe(false)
    expect(await s.get(variant)).toBeUndefined()
    // Fills marked after the loss store again.
    expect(await put(s, variant, '/flushed', [])).toBe(true)
  })

  it('a dead master: its buckets fail at once, the others keep serving, and they resume after a restart', async () => {
    const keys = Array.from({ length: 24 }, (_, i) => `larder:GET:/stock/${i}`)
    const { prefix, where } = await spread(keys, 3)
    const s = redisStore({ client: redis.client, prefix })
    for (const key of keys) expect(await put(s, key, '/stock', ['stock'])).toBe(true)
    const victim = redis.cluster.nodes.find((n) => n.port === where.get(keys[0]!))!
    await victim.kill()
    try {
      for (const key of keys) {
        const started = performance.now()
        if (where.get(key) === victim.port) await expect(s.get(key)).rejects.toThrow()
        else expect(await s.get(key)).toBeDefined()
        expect(performance.now() - started).toBeLessThan(500)
      }
      // The buckets on live masters are invalidated; the call fails, so the engine would replay it.
      await expect(s.invalidate({ tags: ['stock'] })).rejects.toThrow()
      for (const key of keys) if (where.get(key) !== victim.port) expect(await s.get(key)).toBeUndefined()
    } finally {
      await victim.start()
    }
    const deadline = Date.now() + 15_000
    for (;;) {
      const stored = await put(s, keys[0]!, '/stock', ['stock']).catch(() => false)
      if (stored && (await s.get(keys[0]!)) !== undefined) break
      if (Date.now() > deadline) throw new Error('the restarted master did not come back within 15s')
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(s.stats().inFlight).toBe(0)
  })
})
