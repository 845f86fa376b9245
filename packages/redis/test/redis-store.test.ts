import { createClient } from 'redis'
import { LarderOptionError, type Store } from '@larder/core'
import { type CacheEntry } from '@larder/core/adapter'
import { FILL_WINDOW_MS } from '@larder/core/store'
import { redisStore, RedisStoreUnavailableError, type RedisStoreOptions } from '@larder/redis'
import { describeRedis, uniquePrefix, useRedisClient } from '@larder/testkit'
import { describe, expect, it } from 'vitest'
import { Layout } from '../src/layout.js'

function entry(body: Uint8Array, ttlMs = 60_000): CacheEntry {
  const now = Date.now()
  return { status: 200, headers: { 'content-type': 'application/octet-stream', vary: ['accept', 'accept-language'] }, body, storedAt: now, expiresAt: now + ttlMs }
}

async function put(s: Store, key: string, path: string, tags: string[], e: CacheEntry): Promise<boolean> {
  return s.set(key, e, { path, tags, since: await s.mark(key, path) })
}

describe('redisStore options', () => {
  const client = createClient({ url: 'redis://127.0.0.1:1' })

  function optionError(options: unknown): LarderOptionError {
    try {
      redisStore(options as RedisStoreOptions)
    } catch (e) {
      expect(e).toBeInstanceOf(LarderOptionError)
      return e as LarderOptionError
    }
    throw new Error('expected a LarderOptionError')
  }

  it.each([
    ['client', undefined],
    ['client', { client: undefined }],
    ['client', { client: { sendCommand() {}, on() {} } }],
    ['prefix', { client, prefix: '{tag}' }],
    ['prefix', { client, prefix: '' }],
    ['buckets', { client, buckets: 0 }],
    ['buckets', { client, buckets: 2.5 }],
    ['buckets', { client, buckets: 5000 }],
    ['maxInFlight', { client, maxInFlight: 0 }],
    ['commandTimeout', { client, commandTimeout: 'soon' }],
    ['maxVariantsPerPath', { client, maxVariantsPerPath: 0 }],
    ['maxVariantsPerPath', { client, maxVariantsPerPath: '1000' }],
    ['ttl', { client, ttl: '5m' }],
  ])('rejects a bad "%s" naming it and showing a valid call', (option, options) => {
    const e = optionError(options)
    expect(e.option).toBe(option === 'client' && options === undefined ? 'options' : option)
    expect(e.message).toMatch(/redisStore\(|commandTimeout: '5m'/)
  })

  it('defaults to 1 bucket on a single node', () => {
    const s = redisStore({ client })
    expect(s.stats().buckets).toBe(1)
    s.close()
  })

  it('accepts a client that is not connected yet (it never connects it)', () => {
    const s = redisStore({ client, prefix: 'x', buckets: 4, maxInFlight: 10, commandTimeout: '250ms' })
    expect(client.isOpen).toBe(false)
    expect(s.stats()).toMatchObject({ buckets: 4, inFlight: 0 })
    s.close()
  })
})

describeRedis('redis store on its own server', 'own-server', () => {
  const redis = useRedisClient('own-server')

  async function commandStats(): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const m of (await redis.server!.cli('INFO', 'commandstats')).matchAll(/cmdstat_([\w|]+):calls=(\d+)/g)) {
      if (!/^(info|config|command|ping)/.test(m[1]!)) out[m[1]!] = Number(m[2])
    }
    return out
  }

  it('stores an entry as one compact binary string and reads a hit with one GET', async () => {
    const prefix = uniquePrefix('compact')
    const s = redisStore({ client: redis.client, prefix, buckets: 16 })
    const body = Buffer.alloc(10_000, 0xab)
    expect(await put(s, 'k', '/compact', ['t'], entry(body))).toBe(true)
    const layout = new Layout(prefix, 16)
    const name = layout.entry(layout.bucketOf('k'), 'k')
    const size = Number(await redis.server!.cli('STRLEN', name))
    // Body bytes verbatim plus a small header: no base64 (which would be 13 336 bytes) and no JSON body.
    expect(size).toBeGreaterThan(10_000)
    expect(size).toBeLessThan(10_000 + 200)
    await redis.server!.cli('CONFIG', 'RESETSTAT')
    const got = await s.get('k')
    expect(Buffer.from(got!.body).equals(body)).toBe(true)
    expect(await commandStats()).toEqual({ get: 1 })
  })

  it('reloads its scripts when the server lost them (NOSCRIPT), and keeps working', async () => {
    const s = redisStore({ client: redis.client, prefix: uniquePrefix('noscript') })
    await put(s, 'a', '/a', [], entry(Buffer.from('a')))
    const before = s.stats().scriptLoads!
    await redis.server!.cli('SCRIPT', 'FLUSH')
    expect(await put(s, 'b', '/b', ['t'], entry(Buffer.from('b')))).toBe(true)
    // A fill runs two scripts (mark, then set): each reloaded once.
    expect(s.stats().scriptLoads).toBe(before + 2)
    await redis.server!.cli('CONFIG', 'RESETSTAT')
    expect(await put(s, 'c', '/c', ['t'], entry(Buffer.from('c')))).toBe(true)
    // Loaded once: the next calls go by SHA.
    expect(await commandStats()).toMatchObject({ evalsha: 2 })
    expect((await commandStats()).eval).toBeUndefined()
    expect(await s.invalidate({ tags: ['t'] })).toBe(2)
  })

  it('gives every key it writes a TTL, and never lists the keyspace', async () => {
    const prefix = uniquePrefix('hygiene')
    const s = redisStore({ client: redis.client, prefix, buckets: 8 })
    await redis.server!.cli('CONFIG', 'RESETSTAT')
    for (let i = 0; i < 200; i++) {
      const path = `/items/${i % 40}`
      await put(s, `larder:GET:${path}?v=${i}`, path, [`item:${i % 40}`, 'items', ...(i % 7 === 0 ? ['seventh'] : [])], entry(Buffer.from(`body ${i}`), 1000 + i * 100))
    }
    await s.invalidate({ tags: ['seventh'] })
    await s.invalidate({ paths: ['/items/3', '/items/4'], keys: ['larder:GET:/items/5?v=5', 'larder:GET:/never'] })
    await s.invalidate({ tags: ['never-used'] })
    const since = await s.mark('late', '/late')
    await s.clear()
    await s.set('late', entry(Buffer.from('refused')), { path: '/late', tags: ['x'], since })
    for (let i = 0; i < 20; i++) await put(s, `after:${i}`, `/after/${i}`, ['after'], entry(Buffer.from('x'), 30_000))
    await s.invalidate({ keys: ['after:0'] })

    const stats = await commandStats()
    expect(stats.keys).toBeUndefined()
    expect(stats.scan).toBeUndefined()

    // The test may scan its own server; the store may not.
    let cursor = '0'
    const names: string[] = []
    do {
      const [next, batch] = (await redis.client.sendCommand(['SCAN', cursor, 'MATCH', `{${prefix}:*`, 'COUNT', '1000'])) as [string, string[]]
      cursor = next
      names.push(...batch)
    } while (cursor !== '0')
    expect(names.length).toBeGreaterThan(20)
    for (const name of names) {
      const ttl = Number(await redis.server!.cli('PTTL', name))
      expect({ name, ttl: ttl > 0 }).toEqual({ name, ttl: true })
      expect(ttl).toBeLessThanOrEqual(FILL_WINDOW_MS + 1000)
    }
  })

  it('keeps at most 1000 variants of one path by default: past it the oldest goes, so invalidating the path removes at most 1000', async () => {
    const prefix = uniquePrefix('variants')
    const s = redisStore({ client: redis.client, prefix })
    const key = (i: number): string => `larder:GET:/many?v=${String(i).padStart(4, '0')}`
    expect(await put(s, key(0), '/many', [], entry(Buffer.from('oldest')))).toBe(true)
    for (let i = 1; i <= 1000; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => put(s, key(i + j), '/many', ['many'], entry(Buffer.from('x'))))
      expect(await Promise.all(batch)).toEqual(Array(100).fill(true))
    }
    expect(await s.get(key(0))).toBeUndefined()
    expect(await s.get(key(1000))).toBeDefined()
    const layout = new Layout(prefix, 1)
    expect(await redis.server!.cli('ZCARD', layout.pathIndex(0, '/many'))).toBe('1000')
    expect(await s.invalidate({ paths: ['/many'] })).toBe(1000)
    // The variant that went left none of its index entries behind.
    expect(await redis.server!.cli('ZCARD', layout.tagIndex(0, 'many'))).toBe('0')
  })

  it('hundreds of commands sent at once share one abort signal without a listener-leak warning', async () => {
    const s = redisStore({ client: redis.client, prefix: uniquePrefix('many') })
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      const got = await Promise.all(Array.from({ length: 300 }, (_, i) => s.get(`k${i}`)))
      expect(got.every((e) => e === undefined)).toBe(true)
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning')
  })

  it('refuses at once, instead of queueing, when maxInFlight commands await replies', async () => {
    const s = redisStore({ client: redis.client, prefix: uniquePrefix('busy'), maxInFlight: 5 })
    await redis.server!.pause(500)
    const started = Date.now()
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => s.get(`k${i}`)))
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(rejected).toHaveLength(7)
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RedisStoreUnavailableError)
    expect(s.stats()).toMatchObject({ busyRejections: 7, inFlight: 0 })
    expect(Date.now() - started).toBeLessThan(5000)
  })
})
