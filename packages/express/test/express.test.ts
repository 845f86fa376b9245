import { mkdtemp, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCache, LarderOptionError, type Cache } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom } from '@larder/testkit'
import compression from 'compression'
import express, { type Express } from 'express'
// @ts-expect-error -- Express 4 under an alias; typed through Express 5's types, which cover what is used here.
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function serve(app: Express, cache: Cache): Promise<(path: string, o?: Parameters<typeof fetchFrom>[2]) => ReturnType<typeof fetchFrom>> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((r) => server.once('listening', () => r()))
  closers.push(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
    await cache.close()
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return (path, o) => fetchFrom(base, path, o)
}

describe('@larder/express', () => {
  it('a header a middleware before larder set wins over the stored copy on a hit', async () => {
    const cache = createCache({ ttl: '1h' })
    const app = express()
    // CORS: the allowed origin is the request's own, so the first caller's must not be replayed.
    app.use((req, res, next) => {
      res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
      next()
    })
    app.use(larder(cache))
    app.get('/doc', (_req, res) => res.type('text/plain').send('hello'))
    const get = await serve(app, cache)
    const miss = await get('/doc', { headers: { origin: 'https://a.example' } })
    expect([miss.cache, miss.headers['access-control-allow-origin']]).toEqual(['MISS', 'https://a.example'])
    const hit = await get('/doc', { headers: { origin: 'https://b.example' } })
    expect([hit.cache, hit.headers['access-control-allow-origin'], hit.headers['content-type'], hit.text]).toEqual(['HIT', 'https://b.example', 'text/plain; charset=utf-8', 'hello'])
  })

  it("a hit sets its headers through a middleware's own res.setHeader and res.hasHeader, when one replaced setHeader", async () => {
    const cache = createCache({ ttl: '1h' })
    const app = express()
    const seen: string[] = []
    app.use((_req, res, next) => {
      const set = res.setHeader.bind(res)
      const has = res.hasHeader.bind(res)
      res.setHeader = (name: string, value: number | string | readonly string[]) => {
        seen.push(`set ${name.toLowerCase()}`)
        return set(name, value)
      }
      res.hasHeader = (name: string) => {
        seen.push(`has ${name.toLowerCase()}`)
        return has(name)
      }
      next()
    })
    app.use(larder(cache))
    app.get('/doc', (_req, res) => res.type('text/plain').send('hello'))
    const get = await serve(app, cache)
    expect((await get('/doc')).headers['x-cache']).toBe('MISS')
    seen.length = 0
    const hit = await get('/doc')
    expect(hit.headers['x-cache']).toBe('HIT')
    expect(hit.text).toBe('hello')
    expect(seen).toEqual(expect.arrayContaining(['has content-type', 'set content-type', 'set age', 'set x-cache']))
  })

  it('a route-level larder under a global one: route options win and the request is cached once', async () => {
    const cache = createCache({ ttl: '1h' })
    const app = express()
    app.use(larder(cache))
    let calls = 0
    app.get('/tenant', larder(cache, { key: { custom: (req) => req.headers['x-tenant'] as string }, tags: ['tenants'] }), (req, res) => {
      calls++
      res.json({ tenant: req.headers['x-tenant'], calls })
    })
    const get = await serve(app, cache)
    const a = await get('/tenant', { headers: { 'x-tenant': 'a' } })
    const b = await get('/tenant', { headers: { 'x-tenant': 'b' } })
    expect([a.json().tenant, b.json().tenant]).toEqual(['a', 'b'])
    expect(b.cache).toBe('MISS')
    expect((await get('/tenant', { headers: { 'x-tenant': 'a' } })).cache).toBe('HIT')
    expect(calls).toBe(2)
    // Stored once per variant: one lookup and one store per request, not two.
    expect(cache.stats()).toMatchObject({ stores: 2, misses: 2, hits: 1 })
    // The route's tags were applied.
    expect(await cache.invalidate({ tags: ['tenants'] })).toBe(2)
  })

  it('a route-level larder with another cache under a global one: the route\'s cache alone stores and serves it', async () => {
    const global = createCache()
    const own = createCache()
    closers.push(() => own.close())
    const app = express()
    app.use(larder(global))
    let calls = 0
    app.get('/report', larder(own), (_req, res) => res.json({ calls: ++calls }))
    const get = await serve(app, global)
    expect((await get('/report')).cache).toBe('MISS')
    const hit = await get('/report')
    expect([hit.cache, hit.json().calls]).toEqual(['HIT', 1])
    expect(own.stats()).toMatchObject({ misses: 1, hits: 1, stores: 1 })
    // The global cache's lookups were withdrawn, not left counted as misses it never filled.
    expect(global.stats()).toMatchObject({ misses: 0, hits: 0, stores: 0, inFlight: 0 })
  })

  it('a write through a global larder and a route larder with another cache invalidates in both', async () => {
    const global = createCache()
    const own = createCache()
    closers.push(() => own.close())
    const db = new Map([['1', 'old']])
    const app = express()
    app.use(larder(global))
    app.get('/items', (_req, res) => res.json([...db.values()]))
    app.get('/items/:id', larder(own), (req, res) => res.json({ name: db.get(String(req.params.id)) }))
    app.put('/items/:id', larder(own), (req, res) => {
      db.set(String(req.params.id), 'new')
      res.status(204).end()
    })
    const get = await serve(app, global)
    await get('/items')
    await get('/items/1')
    expect([(await get('/items')).cache, (await get('/items/1')).cache]).toEqual(['HIT', 'HIT'])
    expect((await get('/items/1', { method: 'PUT' })).status).toBe(204)
    // /items/1 is in the route's cache, its parent /items in the global one: neither may survive.
    const [list, item] = [await get('/items'), await get('/items/1')]
    expect([list.cache, list.json()]).toEqual(['MISS', ['new']])
    expect([item.cache, item.json()]).toEqual(['MISS', { name: 'new' }])
  })

  it('a route-level opt-out under a global larder bypasses', async () => {
    const cache = createCache()
    const app = express()
    app.use(larder(cache))
    let calls = 0
    app.get('/live', larder(cache, false), (_req, res) => res.json(++calls))
    const get = await serve(app, cache)
    await get('/live')
    const second = await get('/live')
    expect([second.cache, second.json()]).toEqual(['BYPASS', 2])
    expect(cache.stats().stores).toBe(0)
  })

  it('works with res.sendFile (given a max-age: its default max-age=0 forbids shared caching)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'larder-'))
    const file = join(dir, 'data.bin')
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251))
    await writeFile(file, bytes)
    const cache = createCache()
    const app = express()
    app.use(larder(cache))
    app.get('/file', (_req, res) => res.sendFile(file, { maxAge: '1h' }))
    const get = await serve(app, cache)
    const miss = await get('/file')
    const hit = await get('/file')
    expect(hit.cache).toBe('HIT')
    expect(hit.body.equals(bytes)).toBe(true)
    expect(miss.body.equals(bytes)).toBe(true)
  })

  it('works with writeHead(status, headers) called directly', async () => {
    const cache = createCache()
    const app = express()
    app.use(larder(cache))
    app.get('/raw', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'x-raw': 'yes' })
      res.write('a,b\n')
      res.end('1,2\n')
    })
    const get = await serve(app, cache)
    await get('/raw')
    const hit = await get('/raw')
    expect([hit.cache, hit.text, hit.headers['content-type'], hit.headers['x-raw']]).toEqual(['HIT', 'a,b\n1,2\n', 'text/csv', 'yes'])
  })

  it('does not store a response whose writeHead(status, headers) forbids it (max-age=0, with stale entries not kept)', async () => {
    const cache = createCache({ keepStale: false })
    const app = express()
    app.use(larder(cache))
    let calls = 0
    // max-age=0 is decided only when the status line is written, not re-checked at the end.
    app.get('/raw-private', (_req, res) => {
      calls++
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=0' })
      res.end(`call ${calls}`)
    })
    const get = await serve(app, cache)
    await get('/raw-private')
    const second = await get('/raw-private')
    expect([second.cache, second.text, cache.stats().stores]).toEqual(['MISS', 'call 2', 0])
  })

  it('does not store a response that gains Set-Cookie while its headers are written', async () => {
    const cache = createCache()
    const app = express()
    // Like express-session: registered first, adds the cookie at writeHead time.
    app.use((_req, res, next) => {
      const writeHead = res.writeHead
      res.writeHead = function (this: typeof res, ...args: unknown[]) {
        res.setHeader('set-cookie', 'sid=abc')
        return (writeHead as (...a: unknown[]) => typeof res).apply(this, args)
      } as typeof res.writeHead
      next()
    })
    app.use(larder(cache))
    app.get('/page', (_req, res) => res.send('hello'))
    const get = await serve(app, cache)
    await get('/page')
    expect((await get('/page')).cache).toBe('MISS')
  })

  describe.each([
    ['compression() registered before larder', 'before'],
    ['compression() registered after larder', 'after'],
  ])('%s', (_name, order) => {
    it('serves correct bodies to clients with and without gzip', async () => {
      // After larder, compression changes the bytes larder sees and says Vary: Accept-Encoding, so
      // larder keeps one variant per encoding on its own.
      const cache = createCache()
      const app = express()
      if (order === 'before') app.use(compression({ threshold: 0 }))
      app.use(larder(cache))
      if (order === 'after') app.use(compression({ threshold: 0 }))
      const text = 'compress me '.repeat(500)
      let calls = 0
      app.get('/text', (_req, res) => {
        calls++
        res.type('text/plain').send(text)
      })
      const get = await serve(app, cache)
      const gzip = { 'accept-encoding': 'gzip' }
      const plain = { 'accept-encoding': 'identity' }
      const { gunzipSync } = await import('node:zlib')
      const first = await get('/text', { headers: gzip })
      expect(first.headers['content-encoding']).toBe('gzip')
      expect(gunzipSync(first.body).toString()).toBe(text)
      const second = await get('/text', { headers: plain })
      expect(second.headers['content-encoding']).toBeUndefined()
      expect(second.text).toBe(text)
      const third = await get('/text', { headers: gzip })
      expect(third.cache).toBe('HIT')
      expect(gunzipSync(third.body).toString()).toBe(text)
      const fourth = await get('/text', { headers: plain })
      expect(fourth.cache).toBe('HIT')
      expect(fourth.text).toBe(text)
      expect(calls).toBe(order === 'before' ? 1 : 2)
    })
  })

  it('rejects a missing cache and bad route options when the middleware is created', () => {
    expect(() => larder(undefined as never)).toThrow(/createCache/)
    const cache = createCache()
    expect(() => larder(cache, { ttl: 'forever' })).toThrow(/larder\(\): option "ttl"/)
    void cache.close()
  })

  describe.each([
    ['Express 5', () => express()],
    ['Express 4', () => (express4 as typeof express)()],
  ])('%s: how responses are hooked', (_name, makeApp) => {
    /** A sub-app with its own larder; its route writes the body in two chunks. */
    const itemsApi = (cache: Cache, options?: Parameters<typeof larder>[1]): ReturnType<typeof makeApp> => {
      const api = makeApp()
      api.use(larder(cache, options))
      api.get('/items/:id', (req, res) => {
        res.write('{"id":')
        res.end(JSON.stringify(req.params.id) + '}')
      })
      return api
    }

    it('a global larder captures and holds responses of a mounted sub-app', async () => {
      // A sub-app swaps the response's prototype for its own app.response while it handles the
      // request; larder's hooks must survive that.
      const cache = createCache()
      const app = makeApp()
      app.use(larder(cache))
      const api = makeApp()
      let version = 1
      let calls = 0
      api.get('/items/:id', (req, res) => {
        calls++
        res.json({ id: req.params.id, version })
      })
      api.put('/items/:id', (_req, res) => {
        version++
        res.status(204).end()
      })
      app.use('/api', api)
      const get = await serve(app as Express, cache)
      expect((await get('/api/items/1')).cache).toBe('MISS')
      const hit = await get('/api/items/1')
      expect([hit.cache, hit.json()]).toEqual(['HIT', { id: '1', version: 1 }])
      expect((await get('/api/items/1', { method: 'PUT' })).status).toBe(204)
      const fresh = await get('/api/items/1')
      expect([fresh.cache, fresh.json()]).toEqual(['MISS', { id: '1', version: 2 }])
      expect(calls).toBe(2)
    })

    it('hooking a response adds no properties to it', async () => {
      // Express changes every response's prototype, and V8 then takes a slow path, several µs, for
      // each property added to it: larder keeps its state in res.locals and its hooks on the app's
      // response prototype instead.
      const cache = createCache()
      const app = makeApp()
      const own = (res: object): string[] => [...Object.getOwnPropertyNames(res), ...Object.getOwnPropertySymbols(res).map(String)].sort()
      let before: string[] = []
      let after: string[] = []
      app.use((_req, res, next) => {
        before = own(res)
        next()
      })
      app.use(larder(cache))
      app.get('/page', (_req, res) => {
        after = own(res)
        res.send('hello')
      })
      const get = await serve(app as Express, cache)
      expect((await get('/page')).cache).toBe('MISS')
      expect(after).toEqual(before)
      expect((await get('/page')).cache).toBe('HIT')
    })

    it('a handler that replaces res.locals still has its mutation invalidate', async () => {
      // A read's state lives in res.locals; a mutation's must not, or replacing it would skip the
      // invalidation and leave the old entry to be served.
      const cache = createCache()
      const app = makeApp()
      app.use(larder(cache))
      let version = 1
      app.get('/doc', (_req, res) => res.json({ version }))
      app.put('/doc', (_req, res) => {
        res.locals = { replaced: true }
        version++
        res.json({ version })
      })
      const get = await serve(app as Express, cache)
      expect((await get('/doc')).cache).toBe('MISS')
      expect((await get('/doc')).cache).toBe('HIT')
      expect((await get('/doc', { method: 'PUT' })).status).toBe(200)
      const fresh = await get('/doc')
      expect([fresh.cache, fresh.json()]).toEqual(['MISS', { version: 2 }])
    })

    it('a response hooked through its own properties (compression before larder) survives a handler that replaces res.locals', async () => {
      // Its hooks find the methods they wrap through larder's state: losing it would fail the response.
      const cache = createCache()
      const app = makeApp()
      app.use(compression())
      app.use(larder(cache))
      app.get('/page', (_req, res) => {
        res.locals = {}
        res.send('page')
      })
      const get = await serve(app as Express, cache)
      const first = await get('/page')
      expect([first.status, first.text, first.cache]).toEqual([200, 'page', 'MISS'])
      const second = await get('/page')
      expect([second.status, second.text, second.cache]).toEqual([200, 'page', 'HIT'])
    })

    it('a read whose res.locals is replaced between two larders is served at once and stored by the second', async () => {
      // The route's larder cannot find the global one's state and looks the key up again: it must
      // not wait on the global one's in-flight miss, which is its own request.
      const cache = createCache({ lockTimeout: '5s' })
      const app = makeApp()
      app.use(larder(cache))
      app.use((_req, res, next) => {
        res.locals = {}
        next()
      })
      app.get('/page', larder(cache, { tags: ['pages'] }), (_req, res) => res.send('page'))
      const get = await serve(app as Express, cache)
      const first = await get('/page')
      expect([first.status, first.text]).toEqual([200, 'page'])
      expect(cache.stats().coalesced).toBe(0)
      expect((await get('/page')).cache).toBe('HIT')
      expect(await cache.invalidate({ tags: ['pages'] })).toBe(1)
    })

    it('a larder in a sub-app under a global one captures the response once', async () => {
      // The sub-app's larder takes over from the global one with its own options; the body, written
      // in two chunks, is captured once.
      const cache = createCache()
      const app = makeApp()
      app.use(larder(cache))
      app.use('/api', itemsApi(cache, { tags: ['api'] }))
      const get = await serve(app as Express, cache)
      expect((await get('/api/items/1')).text).toBe('{"id":"1"}')
      const hit = await get('/api/items/1')
      expect([hit.cache, hit.text]).toEqual(['HIT', '{"id":"1"}'])
      expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, stores: 1 })
      expect(await cache.invalidate({ tags: ['api'] })).toBe(1)
    })

    it('larders in an app and in its mounted sub-app each capture a response once', async () => {
      // The parent's route hooks the parent's response prototype first; then the sub-app's larder
      // hooks the sub-app's, which inherits the parent's hooks and must not run them again.
      const cache = createCache()
      const app = makeApp()
      app.get('/page', larder(cache), (_req, res) => res.send('page'))
      app.use('/api', itemsApi(cache))
      const get = await serve(app as Express, cache)
      expect((await get('/page')).cache).toBe('MISS')
      expect((await get('/api/items/1')).text).toBe('{"id":"1"}')
      const hit = await get('/api/items/1')
      expect([hit.cache, hit.text]).toEqual(['HIT', '{"id":"1"}'])
      expect((await get('/page')).text).toBe('page')
    })

    it('responses larder does not capture pass through its hooks unchanged; apps without larder are left alone', async () => {
      const cache = createCache()
      const app = makeApp()
      app.use(larder(cache))
      app.get('/page', (_req, res) => res.send('cached'))
      app.get('/raw', larder(cache, false), (_req, res) => {
        res.writeHead(201, { 'x-raw': 'yes' })
        res.write('a,')
        res.end('b')
      })
      const other = makeApp()
      other.get('/raw', (_req, res) => res.send('other'))
      const get = await serve(app as Express, cache)
      const getOther = await serve(other as Express, createCache())
      expect((await get('/page')).cache).toBe('MISS')
      expect((await get('/page')).text).toBe('cached')
      const raw = await get('/raw')
      expect([raw.status, raw.headers['x-raw'], raw.text, raw.cache]).toEqual([201, 'yes', 'a,b', 'BYPASS'])
      expect((await getOther('/raw')).text).toBe('other')
      expect(Object.hasOwn(other.response, 'end')).toBe(false)
    })
  })
})

describe('option mistakes at setup', () => {
  it('a first argument that is not a cache is a LarderOptionError that shows what was passed', () => {
    expect(() => larder('yes' as never)).toThrow(LarderOptionError)
    expect(() => larder({ ttl: '5m' } as never)).toThrow('larder: the first argument of larder() must be a cache from createCache(), for example larder(createCache({ ttl: \'5m\' })); got an object with key ttl')
  })

  it('route options that are not an object name the middleware, then the problem', () => {
    expect(() => larder(createCache(), 'yes' as never)).toThrow('larder: larder(): route options must be an object')
  })
})
