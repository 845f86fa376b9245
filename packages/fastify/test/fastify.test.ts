import { createCache, LarderOptionError, type Cache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import { fetchFrom } from '@larder/testkit'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'

const apps: Array<{ app: FastifyInstance; cache: Cache }> = []
afterEach(async () => {
  for (const { app, cache } of apps.splice(0)) {
    await app.close()
    await cache.close()
  }
})

async function build(setup: (app: FastifyInstance) => void, cache = createCache(), global = true) {
  const app = Fastify()
  await app.register(larderPlugin, { cache, global })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  apps.push({ app, cache })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return { app, cache, get: (path: string, o?: Parameters<typeof fetchFrom>[2]) => fetchFrom(base, path, o) }
}

describe('@larder/fastify', () => {
  it('decorates the instance with the cache', async () => {
    const cache = createCache()
    const { app } = await build(() => undefined, cache)
    expect(app.larder).toBe(cache)
  })

  it('a header an earlier hook set wins over the stored copy on a hit', async () => {
    const { get } = await build((app) => {
      // CORS: the allowed origin is the request's own, so the first caller's must not be replayed.
      app.addHook('onRequest', (req, reply, done) => {
        void reply.header('access-control-allow-origin', req.headers.origin ?? '*')
        done()
      })
      app.get('/doc', async (_req, reply) => reply.type('text/plain').send('hello'))
    })
    const miss = await get('/doc', { headers: { origin: 'https://a.example' } })
    expect([miss.cache, miss.headers['access-control-allow-origin']]).toEqual(['MISS', 'https://a.example'])
    const hit = await get('/doc', { headers: { origin: 'https://b.example' } })
    expect([hit.cache, hit.headers['access-control-allow-origin'], hit.headers['content-type'], hit.text]).toEqual(['HIT', 'https://b.example', 'text/plain', 'hello'])
  })

  it('does not store a response whose Cache-Control the handler set on the raw response (max-age=0, with stale entries not kept)', async () => {
    let calls = 0
    const { get, cache } = await build((app) =>
      app.get('/raw-header', async (_req, reply) => {
        calls++
        // max-age=0 is decided only when the status line is written, not re-checked at the end.
        reply.raw.setHeader('cache-control', 'max-age=0')
        return { calls }
      }),
      createCache({ keepStale: false }),
    )
    await get('/raw-header')
    const second = await get('/raw-header')
    expect([second.cache, second.headers['cache-control'], calls, cache.stats().stores]).toEqual(['MISS', 'max-age=0', 2, 0])
  })

  it('answers HEAD on the route Fastify derives from GET from the GET entry', async () => {
    let calls = 0
    const { get } = await build((app) => app.get('/h', async () => ({ calls: ++calls })))
    await get('/h')
    const head = await get('/h', { method: 'HEAD' })
    expect([head.status, head.cache, head.body.length]).toEqual([200, 'HIT', 0])
    expect(calls).toBe(1)
  })

  it('leaves the cache untouched for a hijacked reply, and lets concurrent waiters run', async () => {
    let calls = 0
    const { get, cache } = await build((app) =>
      app.get('/raw', async (_req, reply) => {
        calls++
        reply.hijack()
        await new Promise((r) => setTimeout(r, 100))
        reply.raw.writeHead(200, { 'content-type': 'text/plain' })
        reply.raw.end('raw')
      }),
    )
    const all = await Promise.all([get('/raw'), get('/raw'), get('/raw')])
    expect(all.map((r) => r.text)).toEqual(['raw', 'raw', 'raw'])
    expect((await get('/raw')).text).toBe('raw')
    expect(cache.stats().stores).toBe(0)
    expect(calls).toBe(4)
  })

  it('a hijacked mutation invalidates nothing', async () => {
    let version = 1
    const { get } = await build((app) => {
      app.get('/v', async () => ({ version }))
      app.put('/v', async (_req, reply) => {
        version++
        reply.hijack()
        reply.raw.writeHead(204)
        reply.raw.end()
      })
    })
    await get('/v')
    await get('/v', { method: 'PUT' })
    expect((await get('/v')).cache).toBe('HIT')
  })

  it('fails at registration on bad route options, naming the route', async () => {
    const app = Fastify()
    const cache = createCache()
    await app.register(larderPlugin, { cache })
    expect(() => app.get('/bad', { config: { cache: { ttl: 'forever' } } }, async () => 'x')).toThrow(/route GET \/bad: option "ttl"/)
    await app.close()
    await cache.close()
  })

  it('rejects bad plugin options', async () => {
    const app = Fastify()
    await expect(app.register(larderPlugin, { cache: {} as Cache }).ready()).rejects.toThrow(/createCache/)
    const app2 = Fastify()
    const cache = createCache()
    await expect(app2.register(larderPlugin, { cache, globl: true } as never).ready()).rejects.toThrow(/unknown plugin option "globl"/)
    await cache.close()
  })

  it('refuses a second registration inside the first one\'s context, saying where a second cache goes', async () => {
    const cache = createCache()
    const other = createCache()
    const app = Fastify()
    void app.register(larderPlugin, { cache })
    void app.register(async (child) => {
      await child.register(larderPlugin, { cache: other })
    })
    await expect(app.ready()).rejects.toThrow(/already registered for this context.*sibling context/)
    await cache.close()
    await other.close()
  })

  it('sibling contexts may each have their own cache', async () => {
    const a = createCache()
    const b = createCache()
    let calls = 0
    const app = Fastify()
    await app.register(async (api) => {
      await api.register(larderPlugin, { cache: a })
      api.get('/a', async () => ({ call: ++calls }))
    })
    await app.register(async (admin) => {
      await admin.register(larderPlugin, { cache: b })
      admin.get('/b', async () => ({ call: ++calls }))
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    apps.push({ app, cache: a })
    const address = app.server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const seen = []
    for (const path of ['/a', '/a', '/b', '/b']) seen.push((await fetchFrom(base, path)).cache)
    expect(seen).toEqual(['MISS', 'HIT', 'MISS', 'HIT'])
    expect([a.stats().stores, b.stats().stores]).toEqual([1, 1])
    expect(calls).toBe(2)
    await b.close()
  })

  it('logs store failures through the request logger', async () => {
    const lines: string[] = []
    const cache = createCache({
      breaker: false,
      store: {
        name: 'broken',
        get: () => Promise.reject(new Error('boom')),
        mark: () => 0,
        set: () => true,
        invalidate: () => 0,
        clear: () => undefined,
        close: () => undefined,
      },
    })
    const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => lines.push(l) } } })
    await app.register(larderPlugin, { cache })
    app.get('/x', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    apps.push({ app, cache })
    const address = app.server.address()
    const res = await fetchFrom(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, '/x')
    expect([res.status, res.cache, res.text]).toEqual([200, 'BYPASS', 'ok'])
    expect(lines.some((l) => l.includes('larder') && l.includes('boom'))).toBe(true)
  })
})

describe('plugin option mistakes', () => {
  async function registerError(options: unknown): Promise<unknown> {
    const app = Fastify()
    try {
      await app.register(larderPlugin, options as never)
      await app.ready()
      return undefined
    } catch (e) {
      return e
    } finally {
      await app.close()
    }
  }

  it('a cache that is not one is a LarderOptionError naming "cache"', async () => {
    const e = await registerError({ cache: 'memory' })
    expect(e).toBeInstanceOf(LarderOptionError)
    expect((e as LarderOptionError).option).toBe('cache')
    expect((e as Error).message).toContain('got "memory"')
  })

  it('global given as a string shows it quoted, so "false" reads apart from false', async () => {
    const e = await registerError({ cache: createCache(), global: 'false' })
    expect(e).toBeInstanceOf(LarderOptionError)
    expect((e as Error).message).toContain('plugin option "global" must be true or false (for example { cache, global: false }); got "false"')
  })

  it('an unknown plugin option is a LarderOptionError naming it', async () => {
    const e = await registerError({ cache: createCache(), globl: true })
    expect(e).toBeInstanceOf(LarderOptionError)
    expect((e as LarderOptionError).option).toBe('globl')
  })
})
