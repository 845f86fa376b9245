import { createCache, type Cache } from '@larder/core'
import { redisStore, RedisStoreUnavailableError, type RedisStore } from '@larder/redis'
import {
  closeRedis,
  ControlledStore,
  describeRedis,
  expressApps,
  fetchFrom,
  freePort,
  recommendedClientOptions,
  RedisServer,
  sleep,
  uniquePrefix,
  useOwnRedisServer,
  type Response,
  type RouteSpec,
} from '@larder/testkit'
import { createClient } from 'redis'
import { afterEach, expect, it } from 'vitest'

const HANDLER_MS = 20
const STORE_TIMEOUT_MS = 100
// "Never hang": handler time + larder's deadline + generous slack for a loaded CI machine.
const BOUND_MS = HANDLER_MS + STORE_TIMEOUT_MS + 500

interface Running {
  cache: Cache
  counted: ControlledStore
  store: RedisStore
  db: Map<string, string>
  get(path: string): Promise<Response & { ms: number }>
  put(path: string): Promise<Response & { ms: number }>
}

// Fail-open against a real redis-server that is killed, restarted, paused and slept, driven through
// a real Express app. The client has the README's settings and NO error listener of its own: the
// store's listener must keep a dropped connection from crashing the process.
describeRedis('fail open: the app keeps serving whatever Redis does', 'own-server', () => {
  const redis = useOwnRedisServer()
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
    if (!redis.server.isRunning) await redis.server.start()
  })

  async function start(url: string, options: { connect?: boolean } = {}): Promise<Running> {
    const client = createClient({ url, ...recommendedClientOptions })
    if (options.connect ?? true) await client.connect()
    else void client.connect().catch(() => undefined)
    const store = redisStore({ client, prefix: uniquePrefix('failopen') })
    const counted = new ControlledStore(store)
    const cache = createCache({ store: counted, storeTimeout: `${STORE_TIMEOUT_MS}ms`, breaker: { failures: 3, cooldown: '2s' }, onError: () => undefined })
    const db = new Map<string, string>()
    const routes: RouteSpec[] = [
      {
        method: 'GET',
        path: '/items/:id',
        handler: async (req) => {
          await sleep(HANDLER_MS)
          return { body: { json: { id: req.params.id, value: db.get(req.params.id!) ?? 'v1' } } }
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
    ]
    const app = await expressApps.start(cache, routes)
    // The client goes first, while the store's error listener is still attached.
    cleanups.push(() => cache.close(), () => app.close(), () => closeRedis(client))
    const timed = async (path: string, method: 'GET' | 'PUT'): Promise<Response & { ms: number }> => {
      const t0 = performance.now()
      const r = await fetchFrom(app.url, path, { method })
      return Object.assign(r, { ms: performance.now() - t0 })
    }
    return { cache, counted, store, db, get: (p) => timed(p, 'GET'), put: (p) => timed(p, 'PUT') }
  }

  /** An app on the suite's server with /items/1 stored (MISS, then HIT). */
  async function startWarm(): Promise<Running> {
    const app = await start(redis.server.url)
    expect((await app.get('/items/1')).cache).toBe('MISS')
    expect((await app.get('/items/1')).cache).toBe('HIT')
    return app
  }

  /** PUT /items/1 succeeds within the bound although its invalidation cannot reach Redis. */
  async function writeServedByHandler(app: Running): Promise<void> {
    const put = await app.put('/items/1')
    expect(put.status).toBe(204)
    expect(put.ms).toBeLessThan(BOUND_MS)
  }

  /** Polls until a path is served from the cache again (MISS then HIT), or fails after `ms`. */
  async function cachingResumes(app: Running, path: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      const r = await app.get(path)
      expect(r.status).toBe(200)
      if (r.cache === 'HIT') return
      await sleep(100)
    }
    throw new Error(`caching did not resume within ${ms}ms`)
  }

  function expectServedByHandler(r: Response & { ms: number }, id: string): void {
    expect(r.status).toBe(200)
    expect(r.json()).toMatchObject({ id })
    expect(r.cache).toBe('BYPASS')
    expect(r.ms).toBeLessThan(BOUND_MS)
  }

  it('Redis killed mid-run: requests bypass within handler time + deadline, the breaker stops calls, caching resumes after a restart on the same port', async () => {
    const app = await startWarm()

    await redis.server.kill()
    for (let i = 0; i < 6; i++) expectServedByHandler(await app.get(`/items/${i}`), String(i))
    // Open: the store is not called at all during the cooldown.
    const calls = app.counted.calls
    for (let i = 0; i < 10; i++) expectServedByHandler(await app.get(`/items/${i}`), String(i))
    expect(app.counted.calls).toBe(calls)
    await writeServedByHandler(app)
    // Nothing queued while down; the dropped connection was reported to the store's listener, not thrown.
    expect(app.store.stats()).toMatchObject({ inFlight: 0 })
    expect(app.store.stats().clientErrors).toBeGreaterThan(0)

    await redis.server.start()
    await cachingResumes(app, '/items/7')
    expect((await app.get('/items/1')).json()).toMatchObject({ value: 'v2' })
  })

  it('Redis paused (CLIENT PAUSE 2000): no request waits more than the deadline, a write made meanwhile is not lost', async () => {
    const app = await startWarm()

    await redis.server.pause(2000)
    const paused = Date.now()
    const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => app.get(`/items/${i}`)))
    for (const [i, r] of concurrent.entries()) expectServedByHandler(r, String(i))
    await writeServedByHandler(app)
    while (Date.now() - paused < 1800) expectServedByHandler(await app.get('/items/2'), '2')

    await cachingResumes(app, '/items/3')
    // The old /items/1 entry survived the pause in Redis; the missed invalidation was replayed.
    expect((await app.get('/items/1')).json()).toMatchObject({ value: 'v2' })
  })

  it('Redis blocked (DEBUG SLEEP 1): requests bypass within the deadline, then caching resumes', async () => {
    const app = await start(redis.server.url)
    expect((await app.get('/items/1')).cache).toBe('MISS')
    const sleeping = redis.server.debugSleep(1)
    await sleep(50)
    const rs = await Promise.all(Array.from({ length: 5 }, (_, i) => app.get(`/items/${i + 1}`)))
    for (const [i, r] of rs.entries()) expectServedByHandler(r, String(i + 1))
    await sleeping.done
    await cachingResumes(app, '/items/9')
  })

  it('a command stuck behind a full socket is dropped after commandTimeout, long before Redis is back', async () => {
    const client = createClient({ url: redis.server.url, ...recommendedClientOptions })
    await client.connect()
    cleanups.push(() => closeRedis(client))
    const store = redisStore({ client, prefix: uniquePrefix('cmdtimeout'), commandTimeout: '200ms' })
    const sleeping = redis.server.debugSleep(4)
    await sleep(100)
    // Big writes fill the socket's buffers, so the commands behind them wait in node-redis's queue.
    const now = Date.now()
    const big = { status: 200, headers: {}, body: Buffer.alloc(8 << 20, 1), storedAt: now, expiresAt: now + 60_000 }
    const settled = (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', () => 'dropped')
    const fills = Array.from({ length: 3 }, (_, i) => settled(Promise.resolve(store.set(`big${i}`, big, { path: `/big${i}`, tags: [], since: 0 }))))
    const queued = settled(Promise.resolve(store.get('small')))
    expect(await Promise.race([queued, sleeping.done.then(() => 'Redis back')])).toBe('dropped')
    await sleeping.done
    await Promise.all(fills)
  })

  it('Redis down at start: the app serves from its handlers, refusing at once, and caches once Redis appears', async () => {
    const port = await freePort()
    const app = await start(`redis://127.0.0.1:${port}`, { connect: false })
    for (let i = 0; i < 5; i++) expectServedByHandler(await app.get(`/items/${i}`), String(i))
    await expect(app.store.get('x')).rejects.toBeInstanceOf(RedisStoreUnavailableError)
    expect(app.store.stats().offlineRejections).toBeGreaterThan(0)

    const late = await RedisServer.start({ port })
    cleanups.push(() => late.destroy())
    await cachingResumes(app, '/items/1')
  })
})
