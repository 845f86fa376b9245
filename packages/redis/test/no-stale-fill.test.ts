import type { CacheEntry } from '@larder/core/adapter'
import { redisStore, type RedisStore } from '@larder/redis'
import { closeRedis, connectRedis, describeRedis, uniquePrefix, useRedisClient, type TestRedisClient } from '@larder/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'

function entry(text: string): CacheEntry {
  const now = Date.now()
  return { status: 200, headers: {}, body: Buffer.from(text), storedAt: now, expiresAt: now + 60_000 }
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

// Two clients (two connections, as two app processes would have) sharing one prefix: A fills, B writes.
describeRedis('no stale fill across processes', 'redis', () => {
  const redis = useRedisClient()
  let clientB: TestRedisClient
  beforeAll(async () => {
    clientB = (await connectRedis(redis.url)).client
  })
  afterAll(() => closeRedis(clientB))

  function pair(): { a: RedisStore; b: RedisStore } {
    const prefix = uniquePrefix('race')
    return { a: redisStore({ client: redis.client, prefix }), b: redisStore({ client: clientB, prefix }) }
  }

  it('a fill marked by one process before another process invalidates it is refused', async () => {
    const { a, b } = pair()
    const key = 'larder:GET:/users/1'
    const since = await a.mark(key, '/users/1')
    // B's write lands while A's handler is still running.
    expect(await b.invalidate({ paths: ['/users/1'], tags: ['user:1'] })).toBe(0)
    expect(await a.set(key, entry('old'), { path: '/users/1', tags: ['user:1'], since })).toBe(false)
    expect(await b.get(key)).toBeUndefined()
    // A fill marked after the write stores.
    expect(await a.set(key, entry('new'), { path: '/users/1', tags: ['user:1'], since: await a.mark(key, '/users/1') })).toBe(true)
    expect(Buffer.from((await b.get(key))!.body).toString()).toBe('new')
  })

  it('whatever the interleaving of a fill and a write, the old data never stays stored', async () => {
    const { a, b } = pair()
    const rounds = 150
    let refused = 0
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const key = `larder:GET:/accounts/${i}`
        const since = await a.mark(key, `/accounts/${i}`)
        // The write starts after the fill's handler began; the fill finishes a little before, at the
        // same time, or after the write.
        const jitter = i % 3
        const write = tick(jitter).then(() => b.invalidate(i % 2 === 0 ? { tags: [`account:${i}`] } : { paths: [`/accounts/${i}`] }))
        const fill = tick(2 - jitter).then(() => a.set(key, entry(`old ${i}`), { path: `/accounts/${i}`, tags: [`account:${i}`], since }))
        const [, stored] = await Promise.all([write, fill])
        if (!stored) refused++
        expect(await a.get(key)).toBeUndefined()
        expect(await b.get(key)).toBeUndefined()
      }),
    )
    expect(refused).toBeGreaterThan(0)
  })

  it('a write to one resource does not refuse fills of another', async () => {
    const { a, b } = pair()
    const since = await a.mark('larder:GET:/users/2', '/users/2')
    await b.invalidate({ paths: ['/users/1', '/users'], tags: ['user:1'] })
    expect(await a.set('larder:GET:/users/2', entry('two'), { path: '/users/2', tags: ['user:2'], since })).toBe(true)
  })
})
