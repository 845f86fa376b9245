import { createCache, type Cache, type CacheOptions } from '@larder/core'
import { redisStore, type RedisStoreOptions } from '@larder/redis'
import { afterEach, describe, expect, it } from 'vitest'
import type { AppFactory, RouteSpec } from './apps.js'
import { fetchFrom, type Response } from './http.js'
import { closeRedis, connectRedis, uniquePrefix, type TestRedisClient } from './redis-env.js'
import { RedisServer, sleepMs } from './redis-server.js'

interface Instance {
  url: string
  cache: Cache
  client: TestRedisClient
  /** The store failures the cache reported, with the operation that failed. */
  errors: Array<{ op: string; message: string }>
  get(path: string): Promise<Response>
  put(path: string): Promise<Response>
}

/** A GET of /items/:id that has read its value and waits, until released, before answering. */
interface Held {
  entered: Promise<void>
  release(): void
}

const PAD_BYTES = 64 * 1024

/** Polls `ready` (a state change, not a duration) until it holds; fails after `ms`. */
async function until(what: string, ready: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleepMs(10)
  }
}

async function usedMemory(server: RedisServer): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await server.cli('INFO', 'memory'))![1])
}

/**
 * What Redis holds for what was written: used memory without the clients' buffers. A refused
 * 64 KB write still passed through a query buffer, which Redis counts as used memory until its
 * cron shrinks it, at a size the allocator rounds up.
 */
async function storedMemory(server: RedisServer): Promise<number> {
  const info = await server.cli('INFO', 'memory')
  const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(info)![1])
  return field('used_memory') - field('mem_clients_normal')
}

/** Fills that ended one way or another (stored, refused, failed): a miss's write has been decided. */
function fillsDecided(cache: Cache): number {
  const s = cache.stats()
  return s.stores + s.staleFillsRefused + s.errors
}

/**
 * Consistency of a Redis shared by two instances ("A" and "B", two apps of `apps` with their own
 * connections and one prefix) when Redis is full, flushed or restarted, and the bound on one path's
 * variants. Every test starts its own redis-server on a free port.
 */
export function redisConsistencySuite(apps: AppFactory): void {
  describe(`redis consistency: ${apps.name}`, () => {
    const cleanups: Array<() => unknown> = []
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c()
    })

    async function server(args: string[] = []): Promise<RedisServer> {
      const s = await RedisServer.start({ args })
      cleanups.push(() => s.destroy())
      return s
    }

    /** Two instances on one Redis and one "database" (items are 'v1' until a PUT makes them 'v2'). */
    async function instances(
      redis: RedisServer,
      storeOptions: Partial<RedisStoreOptions> = {},
      cacheOptions: Omit<CacheOptions, 'store'> = {},
    ): Promise<{ a: Instance; b: Instance; hold(id: string): Held }> {
      const db = new Map<string, string>()
      const held = new Map<string, { entered: () => void; released: Promise<void> }>()
      const routes: RouteSpec[] = [
        {
          method: 'GET',
          path: '/items/:id',
          handler: async (req) => {
            const id = req.params.id!
            const value = db.get(id) ?? 'v1'
            const h = held.get(id)
            if (h !== undefined) {
              held.delete(id)
              h.entered()
              await h.released
            }
            return { body: { json: { id, value } } }
          },
        },
        {
          method: 'PUT',
          path: '/items/:id',
          handler: (req) => {
            db.set(req.params.id!, 'v2')
            return { status: 204 }
          },
        },
        { method: 'GET', path: '/pad/:n', handler: (req) => ({ body: { text: req.params.n!.padEnd(PAD_BYTES, '.') } }) },
        { method: 'GET', path: '/list', handler: (req) => ({ body: { json: { query: req.query } } }) },
        { method: 'PUT', path: '/list', handler: () => ({ status: 204 }) },
      ]
      const prefix = uniquePrefix('consistency')
      const start = async (): Promise<Instance> => {
        const { client } = await connectRedis(redis.url)
        const errors: Instance['errors'] = []
        // Keys without the host: the two apps listen on different ports but serve one site.
        const cache = createCache({
          store: redisStore({ client, prefix, ...storeOptions }),
          key: { host: false },
          storeTimeout: '2s',
          breaker: false,
          onError: (e, { op }) => void errors.push({ op, message: e.message }),
          ...cacheOptions,
        })
        const app = await apps.start(cache, routes)
        cleanups.push(
          () => closeRedis(client),
          () => cache.close(),
          () => app.close(),
        )
        return { url: app.url, cache, client, errors, get: (p) => fetchFrom(app.url, p), put: (p) => fetchFrom(app.url, p, { method: 'PUT' }) }
      }
      const a = await start()
      const b = await start()
      const hold = (id: string): Held => {
        let entered!: () => void
        let release!: () => void
        const enteredP = new Promise<void>((r) => (entered = r))
        held.set(id, { entered, released: new Promise<void>((r) => (release = r)) })
        return { entered: enteredP, release }
      }
      return { a, b, hold }
    }

    async function cached(i: Instance, path: string, value: string): Promise<void> {
      expect((await i.get(path)).cache).toBe('MISS')
      const hit = await i.get(path)
      expect([hit.cache, hit.json().value]).toEqual(['HIT', value])
    }

    describe('a full Redis (maxmemory, noeviction)', () => {
      async function fullRedis(): Promise<{ redis: RedisServer; a: Instance; b: Instance }> {
        const redis = await server(['--maxmemory-policy', 'noeviction'])
        const { a, b } = await instances(redis)
        await cached(b, '/items/1', 'v1')
        const limit = (await usedMemory(redis)) + 1024 * 1024
        await redis.cli('CONFIG', 'SET', 'maxmemory', String(limit))
        // Anyone can fill Redis: distinct URLs, each stored once, until Redis refuses a plain write.
        for (let n = 0; !(await redis.cli('SET', 'probe', 'x')).includes('OOM'); n++) {
          if (n > 200) throw new Error('Redis never went over its maxmemory')
          expect((await a.get(`/pad/${n}`)).status).toBe(200)
        }
        // Just over, Redis can dip under again as it frees a request's buffers: lowered by a few
        // pads, the limit stays below what is stored.
        await redis.cli('CONFIG', 'SET', 'maxmemory', String(limit - 4 * PAD_BYTES))
        return { redis, a, b }
      }

      it('a write through A removes the old entry that B would serve, although Redis is full', async () => {
        const { a, b } = await fullRedis()
        expect((await a.put('/items/1')).status).toBe(204)
        for (const i of [b, a]) expect((await i.get('/items/1')).json().value).toBe('v2')
        // The invalidation itself succeeded: A is not waiting to replay it.
        expect(a.errors.filter((e) => e.op === 'invalidate')).toEqual([])
      })

      it('refuses fills while Redis is over its limit: nothing more is stored, and requests are served', async () => {
        const { redis, b } = await fullRedis()
        const before = await storedMemory(redis)
        const keys = await redis.cli('DBSIZE')
        for (let n = 0; n < 5; n++) {
          const first = await b.get(`/pad/late-${n}`)
          const again = await b.get(`/pad/late-${n}`)
          expect([first.status, again.status]).toEqual([200, 200])
          expect(again.cache).not.toBe('HIT')
        }
        expect(await redis.cli('DBSIZE')).toBe(keys)
        expect(await storedMemory(redis)).toBeLessThan(before + PAD_BYTES)
        expect(b.errors.some((e) => e.op === 'set' && /OOM/.test(e.message))).toBe(true)
      })
    })

    describe('marks lost while a miss is in flight (B read the item before a write through A)', () => {
      const losses: Array<[string, (redis: RedisServer, a: Instance) => Promise<void>]> = [
        [
          'FLUSHALL after the write',
          async (redis, a) => {
            expect((await a.put('/items/1')).status).toBe(204)
            await redis.cli('FLUSHALL')
          },
        ],
        [
          'a restart after the write',
          async (redis, a) => {
            expect((await a.put('/items/1')).status).toBe(204)
            await redis.kill()
            await redis.start()
          },
        ],
        [
          'a write while Redis is down, then a restart',
          async (redis, a) => {
            await redis.kill()
            await until('A to see Redis gone', () => !a.client.isReady)
            expect((await a.put('/items/1')).status).toBe(204)
            await redis.start()
          },
        ],
      ]

      it.each(losses)('%s: the old data is never stored, and neither instance serves it', async (_, lose) => {
        const redis = await server()
        const { a, b, hold } = await instances(redis)
        const held = hold('1')
        const slow = b.get('/items/1')
        await held.entered
        await lose(redis, a)
        await until('both clients to reconnect', () => a.client.isReady && b.client.isReady)
        const decided = fillsDecided(b.cache)
        held.release()
        expect((await slow).json().value).toBe('v1')
        await until("B's fill to be decided", () => fillsDecided(b.cache) > decided)
        expect(b.cache.stats().stores).toBe(0)
        for (const i of [b, a, b]) expect((await i.get('/items/1')).json().value).toBe('v2')
        // And caching works again after the loss.
        await cached(b, '/items/2', 'v1')
      })
    })

    describe("a write through an instance whose breaker is open", () => {
      it("after a stall opened A's breaker, a write through A still removes the entry B would serve", async () => {
        const redis = await server()
        const { a, b } = await instances(redis, {}, { storeTimeout: '100ms', breaker: { failures: 2, cooldown: '1m' } })
        await cached(b, '/items/1', 'v1')
        // Redis stalls; A's reads time out until its breaker opens (B is idle meanwhile).
        const stall = redis.debugSleep(1)
        await until("A's breaker to open", async () => {
          await a.get('/items/2')
          return a.errors.some((e) => e.op === 'circuit')
        })
        await stall.done
        // Redis is back: B reads from it, while A's breaker is still open for a minute.
        expect((await b.get('/items/1')).cache).toBe('HIT')
        expect((await a.put('/items/1')).status).toBe(204)
        for (const i of [b, a]) expect((await i.get('/items/1')).json().value).toBe('v2')
      })
    })

    describe('variants of one path', () => {
      it('keeps at most maxVariantsPerPath variants of a path, dropping the oldest, so one invalidation stays bounded', async () => {
        const redis = await server()
        const { a, b } = await instances(redis, { maxVariantsPerPath: 5 })
        for (let v = 1; v <= 8; v++) expect((await a.get(`/list?v=${v}`)).cache).toBe('MISS')
        for (let v = 4; v <= 8; v++) expect((await b.get(`/list?v=${v}`)).cache).toBe('HIT')
        for (let v = 1; v <= 3; v++) expect((await b.get(`/list?v=${v}`)).cache).toBe('MISS')
        // B's three fills pushed out the three oldest of the others.
        for (let v = 4; v <= 6; v++) expect((await a.get(`/list?v=${v}`)).cache).toBe('MISS')
        const removed = a.cache.stats().invalidatedEntries
        expect((await a.put('/list')).status).toBe(204)
        expect(a.cache.stats().invalidatedEntries - removed).toBe(5)
        for (let v = 1; v <= 8; v++) expect((await b.get(`/list?v=${v}`)).cache).toBe('MISS')
      })
    })
  })
}
