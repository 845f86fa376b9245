import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import type { AppFactory, Reply, RouteSpec } from './apps.js'
import { counter, useHarness } from './harness.js'
import { sleep, type Response } from './http.js'
import type { StoreFactory } from './store-wrappers.js'

/**
 * The behaviour every adapter must show, run against real servers over HTTP, once per adapter
 * and store. Numbers refer to the guarantees of larder v0.1.
 */
export function behaviourSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`behaviour: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    const userRoutes = (db: Map<string, string>, calls = counter()): RouteSpec[] => [
      { method: 'GET', path: '/users', handler: () => (calls.next(), { body: { json: [...db.entries()] } }) },
      { method: 'GET', path: '/users/:id', handler: (req) => (calls.next(), db.has(req.params.id!) ? { body: { json: { id: req.params.id, name: db.get(req.params.id!) } } } : { status: 404, body: { json: { error: 'not found' } } }) },
      {
        method: 'PUT',
        path: '/users/:id',
        handler: (req) => {
          if (req.params.id === 'bad') return { status: 400, body: { json: { error: 'bad' } } }
          if (req.params.id === 'boom') return { fail: true }
          db.set(req.params.id!, `updated-${req.params.id}`)
          return { status: 204 }
        },
      },
      { method: 'POST', path: '/users', handler: () => (db.set(String(db.size + 1), 'new'), { status: 201, body: { json: { ok: true } } }) },
      { method: 'PATCH', path: '/users/:id', handler: (req) => (db.set(req.params.id!, 'patched'), { status: 200, body: { json: { ok: true } } }) },
      { method: 'DELETE', path: '/users/:id', handler: (req) => (db.delete(req.params.id!), { status: 204 }) },
      { method: 'POST', path: '/users/:id/redirect', handler: (req) => (db.set(req.params.id!, 'redirected'), { status: 303, headers: { location: `/users/${req.params.id}` } }) },
    ]

    describe('1. key', () => {
      it('serves a repeated GET from the cache and marks MISS then HIT', async () => {
        const calls = counter()
        const h = await start(userRoutes(new Map([['1', 'ann']]), calls))
        const a = await h.get('/users/1')
        const b = await h.get('/users/1')
        expect([a.cache, b.cache]).toEqual(['MISS', 'HIT'])
        expect(b.json()).toEqual({ id: '1', name: 'ann' })
        expect(calls.n).toBe(1)
      })

      it('answers HEAD from the GET entry, with the same headers and no body', async () => {
        const calls = counter()
        const h = await start(userRoutes(new Map([['1', 'ann']]), calls))
        const get = await h.get('/users/1')
        const head = await h.get('/users/1', { method: 'HEAD' })
        expect(head.cache).toBe('HIT')
        expect(head.body.length).toBe(0)
        expect(head.headers['content-type']).toBe(get.headers['content-type'])
        expect(head.headers['content-length']).toBe(String(get.body.length))
        expect(calls.n).toBe(1)
      })

      it('answers a HEAD that arrives while the GET entry is still being written from that entry', async () => {
        const calls = counter()
        const h = await start(userRoutes(new Map([['1', 'ann']]), calls))
        // The entry lands 60 ms after the GET's response has gone out (within the default storeTimeout).
        h.store.setDelayMs = 60
        const get = await h.get('/users/1')
        const head = await h.get('/users/1', { method: 'HEAD' })
        expect([get.cache, head.cache]).toEqual(['MISS', 'HIT'])
        expect(head.body.length).toBe(0)
        expect(head.headers['content-length']).toBe(String(get.body.length))
        expect(calls.n).toBe(1)
      })

      it('a HEAD released by a GET miss it waited on runs its own handler and never becomes the GET entry', async () => {
        const calls = counter()
        const routes: RouteSpec[] = [
          {
            method: 'GET',
            path: '/h',
            handler: async (req) => {
              // The first GET is slow and not shareable; every later response is cacheable.
              if (calls.next() === 1) {
                await sleep(150)
                return { headers: { 'cache-control': 'no-store' }, body: { json: { first: true } } }
              }
              return { body: { json: { method: req.method } } }
            },
          },
        ]
        const h = await start(routes)
        const get = h.get('/h')
        await sleep(30)
        const head = await h.get('/h', { method: 'HEAD' })
        expect([(await get).cache, head.cache]).toEqual(['MISS', 'MISS'])
        expect(calls.n).toBe(2)
        const next = await h.get('/h')
        expect(next.cache).toBe('MISS')
        expect(next.json()).toEqual({ method: 'GET' })
      })

      it('never stores a HEAD miss as the GET entry', async () => {
        const calls = counter()
        const h = await start(userRoutes(new Map([['1', 'ann']]), calls))
        expect((await h.get('/users/1', { method: 'HEAD' })).cache).toBe('MISS')
        const get = await h.get('/users/1')
        expect(get.cache).toBe('MISS')
        expect(get.json()).toEqual({ id: '1', name: 'ann' })
        expect((await h.get('/users/1')).cache).toBe('HIT')
      })

      it('ignores the order of query parameters but not their values or repeated order', async () => {
        const routes: RouteSpec[] = [{ method: 'GET', path: '/q', handler: (req) => ({ body: { json: { url: req.url } } }) }]
        const h = await start(routes)
        expect((await h.get('/q?a=1&b=2')).cache).toBe('MISS')
        expect((await h.get('/q?b=2&a=1')).cache).toBe('HIT')
        expect((await h.get('/q?a=1&b=3')).cache).toBe('MISS')
        expect((await h.get('/q?id=1&id=2')).cache).toBe('MISS')
        const swapped = await h.get('/q?id=2&id=1')
        expect(swapped.cache).toBe('MISS')
        expect(swapped.json().url).toBe('/q?id=2&id=1')
      })

      it('drops denied parameters (utm_*) from the key', async () => {
        const routes: RouteSpec[] = [{ method: 'GET', path: '/q', options: { key: { query: { deny: ['utm_*'] } } }, handler: () => ({ body: { json: { ok: 1 } } }) }]
        const h = await start(routes)
        expect((await h.get('/q?page=2&utm_source=x')).cache).toBe('MISS')
        expect((await h.get('/q?utm_campaign=y&page=2')).cache).toBe('HIT')
        expect((await h.get('/q?page=3')).cache).toBe('MISS')
      })

      it('keeps only allowed parameters, or none, when configured', async () => {
        const routes: RouteSpec[] = [
          { method: 'GET', path: '/allow', options: { key: { query: { allow: ['page'] } } }, handler: () => ({ body: { json: 1 } }) },
          { method: 'GET', path: '/none', options: { key: { query: 'ignore' } }, handler: () => ({ body: { json: 1 } }) },
        ]
        const h = await start(routes)
        expect((await h.get('/allow?page=1&x=1')).cache).toBe('MISS')
        expect((await h.get('/allow?page=1&x=2')).cache).toBe('HIT')
        expect((await h.get('/allow?page=2')).cache).toBe('MISS')
        expect((await h.get('/none?a=1')).cache).toBe('MISS')
        expect((await h.get('/none?b=2')).cache).toBe('HIT')
      })

      it('varies on configured request headers', async () => {
        const routes: RouteSpec[] = [{ method: 'GET', path: '/greet', options: { key: { headers: ['accept-language'] } }, handler: (req) => ({ body: { text: req.headers['accept-language'] === 'fr' ? 'bonjour' : 'hello' } }) }]
        const h = await start(routes)
        expect((await h.get('/greet', { headers: { 'accept-language': 'en' } })).text).toBe('hello')
        const fr = await h.get('/greet', { headers: { 'accept-language': 'fr' } })
        expect([fr.cache, fr.text]).toEqual(['MISS', 'bonjour'])
        const en = await h.get('/greet', { headers: { 'accept-language': 'en' } })
        expect([en.cache, en.text]).toEqual(['HIT', 'hello'])
      })

      it('varies on a key function (tenant)', async () => {
        const tenant = (req: any) => req.headers['x-tenant'] as string | undefined
        const routes: RouteSpec[] = [{ method: 'GET', path: '/t', options: { key: { custom: tenant } }, handler: (req) => ({ body: { text: `tenant ${String(req.headers['x-tenant'])}` } }) }]
        const h = await start(routes)
        expect((await h.get('/t', { headers: { 'x-tenant': 'a' } })).text).toBe('tenant a')
        const b = await h.get('/t', { headers: { 'x-tenant': 'b' } })
        expect([b.cache, b.text]).toEqual(['MISS', 'tenant b'])
        expect((await h.get('/t', { headers: { 'x-tenant': 'a' } })).cache).toBe('HIT')
      })

      it('bounds key length whatever the query string', async () => {
        const routes: RouteSpec[] = [{ method: 'GET', path: '/long', handler: () => ({ body: { json: 1 } }) }]
        const h = await start(routes)
        const q = '?' + 'x'.repeat(8000)
        expect((await h.get('/long' + q)).cache).toBe('MISS')
        expect((await h.get('/long' + q)).cache).toBe('HIT')
        expect((await h.get('/long' + q + 'y')).cache).toBe('MISS')
      })
    })

    describe('2. what is stored', () => {
      const replyRoute = (reply: () => import('./apps.js').Reply, options?: RouteSpec['options'], calls = counter()): RouteSpec[] => [
        { method: 'GET', path: '/r', options, handler: () => (calls.next(), reply()) },
      ]

      it('stores 200 but not 404 by default; a statuses list widens that', async () => {
        const h = await start([
          { method: 'GET', path: '/missing', handler: () => ({ status: 404, body: { json: { error: 'nope' } } }) },
          { method: 'GET', path: '/missing2', options: { statuses: [200, 404] }, handler: () => ({ status: 404, body: { json: { error: 'nope' } } }) },
        ])
        await h.get('/missing')
        expect((await h.get('/missing')).cache).toBe('MISS')
        await h.get('/missing2')
        const again = await h.get('/missing2')
        expect([again.cache, again.status]).toEqual(['HIT', 404])
      })

      it.each([
        ['Set-Cookie', { 'set-cookie': 'sid=1; Path=/' }],
        ['Cache-Control: no-store', { 'cache-control': 'no-store' }],
        ['Cache-Control: private', { 'cache-control': 'private, max-age=60' }],
        ['Cache-Control: no-cache', { 'cache-control': 'no-cache' }],
        ['Vary: *', { vary: '*' }],
      ])('never stores a response carrying %s', async (_name, headers) => {
        const calls = counter()
        const h = await start(replyRoute(() => ({ headers, body: { json: { n: calls.n } } }), undefined, calls))
        await h.get('/r')
        const second = await h.get('/r')
        expect(second.cache).toBe('MISS')
        expect(calls.n).toBe(2)
      })

      it('shares a response with Authorization callers only when it is marked shareable, or the route keys per caller', async () => {
        const calls = counter()
        const caller = (req: { headers: Record<string, unknown> }) => String(req.headers['authorization'])
        const h = await start([
          { method: 'GET', path: '/me', handler: (req) => (calls.next(), { body: { json: { who: req.headers['authorization'] ?? 'anonymous' } } }) },
          { method: 'GET', path: '/public', handler: () => (calls.next(), { headers: { 'cache-control': 'public, max-age=60' }, body: { json: { n: calls.n } } }) },
          { method: 'GET', path: '/mine', options: { allowAuthorized: true, key: { custom: caller } }, handler: (req) => (calls.next(), { body: { json: { who: req.headers['authorization'] } } }) },
        ])
        const a = { authorization: 'Bearer a' }
        const b = { authorization: 'Bearer b' }
        // Not marked shareable: never stored for, nor served to, a caller with Authorization.
        expect((await h.get('/me', { headers: a })).json().who).toBe('Bearer a')
        const bMe = await h.get('/me', { headers: b })
        expect([bMe.cache, bMe.json().who]).toEqual(['MISS', 'Bearer b'])
        await h.get('/me')
        expect((await h.get('/me')).cache).toBe('HIT')
        const aAgain = await h.get('/me', { headers: a })
        expect([aAgain.cache, aAgain.json().who]).toEqual(['BYPASS', 'Bearer a'])
        // Marked public: shared.
        await h.get('/public', { headers: a })
        expect((await h.get('/public', { headers: b })).cache).toBe('HIT')
        // Opted in with a key per caller: each caller has an entry of its own.
        await h.get('/mine', { headers: a })
        const bMine = await h.get('/mine', { headers: b })
        expect([bMine.cache, bMine.json().who]).toEqual(['MISS', 'Bearer b'])
        const aMine = await h.get('/mine', { headers: a })
        expect([aMine.cache, aMine.json().who]).toEqual(['HIT', 'Bearer a'])
      })

      it('passes a body larger than maxBodyBytes through intact without storing it', async () => {
        const big = randomBytes(300 * 1024)
        const calls = counter()
        const h = await start(replyRoute(() => ({ body: { chunks: [big.subarray(0, 100_000), big.subarray(100_000)] } }), { maxBodyBytes: 200 * 1024 }, calls))
        const first = await h.get('/r')
        expect(first.body.equals(big)).toBe(true)
        const second = await h.get('/r')
        expect(second.cache).toBe('MISS')
        expect(second.body.equals(big)).toBe(true)
        expect(calls.n).toBe(2)
      })

      it('takes the TTL from s-maxage over max-age over the route ttl', async () => {
        const h = await start([
          { method: 'GET', path: '/s', options: { ttl: '10m' }, handler: () => ({ headers: { 'cache-control': 'public, max-age=600, s-maxage=1' }, body: { json: 1 } }) },
          { method: 'GET', path: '/m', options: { ttl: '10m' }, handler: () => ({ headers: { 'cache-control': 'public, max-age=1' }, body: { json: 1 } }) },
          { method: 'GET', path: '/t', options: { ttl: '300ms' }, handler: () => ({ body: { json: 1 } }) },
          { method: 'GET', path: '/long', options: { ttl: '300ms' }, handler: () => ({ headers: { 'cache-control': 'max-age=600' }, body: { json: 1 } }) },
        ])
        for (const p of ['/s', '/m', '/t', '/long']) await h.get(p)
        for (const p of ['/s', '/m', '/t', '/long']) expect((await h.get(p)).cache).toBe('HIT')
        await sleep(1100)
        // Stale now: each is revalidated by its handler (Express answers a matching If-None-Match
        // with 304 itself, so its stale entries come back REVALIDATED), never served as a hit.
        for (const p of ['/s', '/m', '/t']) expect(['MISS', 'REVALIDATED']).toContain((await h.get(p)).cache)
        expect((await h.get('/long')).cache).toBe('HIT')
      })
    })

    describe('3. a hit replays the response exactly', () => {
      const binary = randomBytes(64 * 1024)
      const cases: Array<[string, import('./apps.js').Reply, (r: Response) => void]> = [
        ['JSON', { body: { json: { name: 'zoë', list: [1, 2, 3] } } }, (r) => expect(r.json()).toEqual({ name: 'zoë', list: [1, 2, 3] })],
        ['text with multibyte characters', { body: { text: 'héllo ✓ 日本' } }, (r) => expect(r.text).toBe('héllo ✓ 日本')],
        ['binary', { body: { bytes: binary } }, (r) => expect(r.body.equals(binary)).toBe(true)],
        ['several chunks', { body: { chunks: ['one,', Buffer.from('two,'), 'three'] } }, (r) => expect(r.text).toBe('one,two,three')],
        ['a piped stream', { body: { stream: () => Readable.from([binary.subarray(0, 1000), binary.subarray(1000)]) } }, (r) => expect(r.body.equals(binary)).toBe(true)],
      ]
      it.each(cases)('%s', async (_name, reply, check) => {
        const calls = counter()
        const h = await start([{ method: 'GET', path: '/x', handler: () => (calls.next(), { ...reply, headers: { 'x-custom': 'kept', link: ['</a>; rel=a', '</b>; rel=b'] } }) }])
        const miss = await h.get('/x')
        check(miss)
        const hit = await h.get('/x')
        expect(hit.cache).toBe('HIT')
        check(hit)
        expect(hit.status).toBe(miss.status)
        expect(hit.headers['content-type']).toBe(miss.headers['content-type'])
        expect(hit.headers['x-custom']).toBe('kept')
        expect(hit.headers['link']).toEqual(miss.headers['link'])
        expect(hit.headers['age']).toMatch(/^\d+$/)
        expect(hit.headers['content-length']).toBe(String(hit.body.length))
        expect(calls.n).toBe(1)
      })

      it('streams a miss to the client as it is written: capture never holds bytes back', async () => {
        let clientGotFirst!: () => void
        const firstSeen = new Promise<void>((r) => (clientGotFirst = r))
        const h = await start([
          {
            method: 'GET',
            path: '/stream',
            handler: () => ({
              body: {
                stream: () =>
                  Readable.from(
                    (async function* () {
                      yield Buffer.from('first;')
                      // The handler goes on only once the client holds the first chunk.
                      await Promise.race([firstSeen, sleep(3000).then(() => Promise.reject(new Error('first chunk never reached the client')))])
                      yield Buffer.from('second')
                    })(),
                  ),
              },
            }),
          },
        ])
        const { request } = await import('undici')
        const res = await request(h.url + '/stream')
        const chunks: string[] = []
        for await (const chunk of res.body) {
          chunks.push(chunk.toString())
          if (chunks.join('').includes('first;')) clientGotFirst()
        }
        expect(chunks.join('')).toBe('first;second')
        const hit = await h.get('/stream')
        expect([hit.cache, hit.text]).toEqual(['HIT', 'first;second'])
      })

      it('replays a non-200 status that the route allows', async () => {
        const h = await start([{ method: 'GET', path: '/x', options: { statuses: [203] }, handler: () => ({ status: 203, body: { text: 'partial' } }) }])
        await h.get('/x')
        const hit = await h.get('/x')
        expect([hit.cache, hit.status, hit.text]).toEqual(['HIT', 203, 'partial'])
      })

      it('reports the entry age in seconds', async () => {
        const h = await start([{ method: 'GET', path: '/x', handler: () => ({ body: { json: 1 } }) }])
        await h.get('/x')
        await sleep(1100)
        expect(Number((await h.get('/x')).headers['age'])).toBeGreaterThanOrEqual(1)
      })
    })

    describe('4. automatic invalidation', () => {
      it('a successful PUT invalidates every variant of its path and of its parent collection', async () => {
        const calls = counter()
        const db = new Map([['42', 'ann'], ['43', 'bob']])
        const h = await start(userRoutes(db, calls))
        const paths = ['/users/42', '/users/42?x=1', '/users', '/users?page=2', '/users/43']
        for (const p of paths) await h.get(p)
        for (const p of paths) expect((await h.get(p)).cache).toBe('HIT')
        expect((await h.get('/users/42', { method: 'PUT' })).status).toBe(204)
        for (const p of paths.slice(0, 4)) expect((await h.get(p)).cache, p).toBe('MISS')
        expect((await h.get('/users/43')).cache).toBe('HIT')
        expect((await h.get('/users/42')).json().name).toBe('updated-42')
      })

      it.each([
        ['POST', '/users', '/users'],
        ['PATCH', '/users/1', '/users/1'],
        ['DELETE', '/users/1', '/users'],
        ['POST', '/users/1/redirect', '/users/1'],
      ] as const)('%s %s (2xx/3xx) invalidates %s', async (method, target, read) => {
        const h = await start(userRoutes(new Map([['1', 'ann']])))
        await h.get(read)
        expect((await h.get(read)).cache).toBe('HIT')
        const res = await h.get(target, { method })
        expect(res.status).toBeLessThan(400)
        expect((await h.get(read)).cache).toBe('MISS')
      })

      it('a failed mutation (4xx/5xx) invalidates nothing', async () => {
        const h = await start(userRoutes(new Map([['bad', 'x'], ['boom', 'y']])))
        await h.get('/users/bad')
        await h.get('/users/boom')
        expect((await h.get('/users/bad', { method: 'PUT' })).status).toBe(400)
        expect((await h.get('/users/boom', { method: 'PUT' })).status).toBe(500)
        expect((await h.get('/users/bad')).cache).toBe('HIT')
        expect((await h.get('/users/boom')).cache).toBe('HIT')
        expect(h.cache.stats().invalidations).toBe(0)
      })

      it("invalidates the route's tags", async () => {
        let version = 1
        const h = await start([
          { method: 'GET', path: '/feed', options: { tags: ['user:42', 'feed'] }, handler: () => ({ body: { json: { version } } }) },
          { method: 'GET', path: '/profile/:id', options: { tags: (req: any) => [`user:${req.params.id}`] }, handler: () => ({ body: { json: { version } } }) },
          { method: 'PUT', path: '/accounts/:id', options: { invalidates: (req: any) => [`user:${req.params.id}`] }, handler: () => (version++, { status: 204 }) },
        ])
        await h.get('/feed')
        await h.get('/profile/42')
        await h.get('/profile/7')
        await h.get('/accounts/42', { method: 'PUT' })
        const feed = await h.get('/feed')
        expect([feed.cache, feed.json().version]).toEqual(['MISS', 2])
        expect((await h.get('/profile/42')).cache).toBe('MISS')
        expect((await h.get('/profile/7')).cache).toBe('HIT')
      })

      it('finishes invalidating before the mutation response is sent', async () => {
        const db = new Map([['1', 'ann']])
        const h = await start(userRoutes(db), { storeTimeout: '5s' })
        await h.get('/users/1')
        h.store.invalidateDelayMs = 300
        const put = await h.get('/users/1', { method: 'PUT' })
        expect(put.status).toBe(204)
        const after = await h.get('/users/1')
        expect(after.cache).toBe('MISS')
        expect(after.json().name).toBe('updated-1')
      })

      it('cache.invalidate removes by tag and by path', async () => {
        const h = await start([
          { method: 'GET', path: '/a', options: { tags: ['t1'] }, handler: () => ({ body: { json: 'a' } }) },
          { method: 'GET', path: '/b/:id', handler: () => ({ body: { json: 'b' } }) },
        ])
        await h.get('/a')
        await h.get('/b/1?v=1')
        await h.get('/b/1?v=2')
        expect(await h.cache.invalidate({ tags: ['t1'] })).toBe(1)
        expect(await h.cache.invalidate({ paths: ['/b/1'] })).toBe(2)
        expect((await h.get('/a')).cache).toBe('MISS')
        expect((await h.get('/b/1?v=1')).cache).toBe('MISS')
      })
    })

    describe('5. no stale fill', () => {
      /** GET /item reads the value, then takes 300 ms to answer; PUT /item changes it. */
      const slowItem = (): { routes: RouteSpec[]; reads: () => number } => {
        let value = 'old'
        let reads = 0
        const routes: RouteSpec[] = [
          {
            method: 'GET',
            path: '/item',
            handler: async () => {
              reads++
              const read = value
              await sleep(300)
              return { body: { json: { value: read } } }
            },
          },
          { method: 'PUT', path: '/item', handler: () => ((value = 'new'), { status: 204 }) },
        ]
        return { routes, reads: () => reads }
      }

      it('a GET that started before an invalidation of its path does not store its old response', async () => {
        const h = await start(slowItem().routes)
        const slow = h.get('/item')
        await sleep(80)
        expect((await h.get('/item', { method: 'PUT' })).status).toBe(204)
        expect((await slow).json().value).toBe('old')
        const next = await h.get('/item')
        expect(next.json().value).toBe('new')
        expect(next.cache).toBe('MISS')
        expect(h.cache.stats().staleFillsRefused).toBe(1)
      })

      it('the same holds when the invalidation reaches it through a tag', async () => {
        let value = 'old'
        const h = await start([
          {
            method: 'GET',
            path: '/dashboard',
            options: { tags: ['user:1'] },
            handler: async () => {
              const read = value
              await sleep(300)
              return { body: { json: { value: read } } }
            },
          },
          { method: 'PUT', path: '/users/:id', options: { invalidates: (req: any) => [`user:${req.params.id}`] }, handler: () => ((value = 'new'), { status: 204 }) },
        ])
        const slow = h.get('/dashboard')
        await sleep(80)
        await h.get('/users/1', { method: 'PUT' })
        await slow
        expect((await h.get('/dashboard')).json().value).toBe('new')
      })

      // Left waiting on the first miss, the GETs after the write would each run the handler once it
      // is refused. A request that was waiting before the write arrived before it was acknowledged:
      // with a store only this process writes, it gets the old miss's response without another
      // origin read; with one other instances share, it may have arrived after a write elsewhere
      // that this process knows nothing of, so it shares the new miss.
      it('a write overtakes a miss in flight: the GETs after the write share one new miss, and the one waiting before it is answered', async () => {
        const item = slowItem()
        const h = await start(item.routes)
        const slow = h.get('/item')
        await sleep(40)
        const waiter = h.get('/item')
        await sleep(40)
        expect((await h.get('/item', { method: 'PUT' })).status).toBe(204)
        const after = await Promise.all([waiter, h.get('/item'), h.get('/item'), h.get('/item')])
        const local = h.cache.store.local === true
        expect(after.map((r) => r.json().value)).toEqual([local ? 'old' : 'new', 'new', 'new', 'new'])
        expect((await slow).json().value).toBe('old')
        expect(item.reads()).toBe(2)
        expect((await h.get('/item')).cache).toBe('HIT')
      })
    })

    describe('6. single flight', () => {
      it('concurrent misses for one key run the handler once and all get its response', async () => {
        const calls = counter()
        const h = await start([{ method: 'GET', path: '/slow', handler: async () => (calls.next(), await sleep(200), { body: { json: { call: calls.n } } }) }])
        const all = await Promise.all(Array.from({ length: 20 }, () => h.get('/slow')))
        expect(calls.n).toBe(1)
        expect(all.every((r) => r.status === 200 && r.json().call === 1)).toBe(true)
        expect(all.filter((r) => r.cache === 'MISS')).toHaveLength(1)
        expect(h.cache.stats().coalesced).toBe(19)
      })

      it.each([
        ['private', () => ({ headers: { 'cache-control': 'private' }, body: { json: 1 } })],
        ['an error', () => ({ fail: true })],
        ['too big', () => ({ body: { bytes: Buffer.alloc(4096, 1) } })],
      ])('if the leader response is %s, each waiter runs its own handler', async (_name, first) => {
        const calls = counter()
        const h = await start([
          {
            method: 'GET',
            path: '/s',
            options: { maxBodyBytes: 1024 },
            handler: async () => {
              const n = calls.next()
              await sleep(n === 1 ? 200 : 20)
              return n === 1 ? (first() as import('./apps.js').Reply) : { headers: { 'cache-control': 'private' }, body: { json: { call: n } } }
            },
          },
        ])
        const all = await Promise.all(Array.from({ length: 5 }, () => h.get('/s')))
        expect(calls.n).toBe(5)
        const served = all.filter((r) => r.status === 200 && r.headers['content-type']?.toString().includes('json')).map((r) => r.json().call)
        // Every waiter got its own handler's response, never the leader's.
        expect(new Set(served).size).toBe(served.length)
        expect(served).not.toContain(1)
      })

      it('a leader revalidating its own copy (If-None-Match, Range) still gets the whole response stored and shared', async () => {
        const calls = counter()
        const h = await start([
          {
            method: 'GET',
            path: '/doc',
            handler: async (req): Promise<Reply> => {
              calls.next()
              await sleep(150)
              // What Express's res.send and @fastify/etag do for a matching validator.
              if (req.headers['if-none-match'] === '"v1"') return { status: 304, headers: { etag: '"v1"' } }
              if (req.headers['range'] !== undefined) return { status: 206, headers: { etag: '"v1"', 'content-range': 'bytes 0-0/9' }, body: { text: '{' } }
              return { headers: { etag: '"v1"' }, body: { json: { v: 1 } } }
            },
          },
        ])
        const partials: Array<Record<string, string>> = [{ 'if-none-match': '"v1"' }, { range: 'bytes=0-0' }]
        for (const partial of partials) {
          calls.n = 0
          await h.cache.invalidate({ paths: ['/doc'] })
          const leader = h.get('/doc', { headers: partial })
          await sleep(40)
          const waiters = await Promise.all(Array.from({ length: 5 }, () => h.get('/doc')))
          const first = await leader
          // A 200 is a valid answer to a conditional or range request; a 304 or 206 could not be shared.
          expect([first.status, first.json()]).toEqual([200, { v: 1 }])
          expect(waiters.map((r) => [r.status, r.cache, r.json()])).toEqual(Array(5).fill([200, 'HIT', { v: 1 }]))
          expect(calls.n).toBe(1)
        }
        // Its validator is answered from the entry.
        expect((await h.get('/doc', { headers: { 'if-none-match': '"v1"' } })).status).toBe(304)
      })

      it('a leader whose credentials keep its response out of the cache does not leave its waiters to run one handler each', async () => {
        const calls = counter()
        const h = await start([{ method: 'GET', path: '/news', handler: async () => (calls.next(), await sleep(150), { headers: { 'cache-control': 'max-age=60' }, body: { json: { news: 1 } } }) }])
        const leader = h.get('/news', { headers: { cookie: 'session=abc' } })
        await sleep(40)
        const waiters = await Promise.all(Array.from({ length: 5 }, () => h.get('/news')))
        expect((await leader).json()).toEqual({ news: 1 })
        expect(waiters.map((r) => [r.status, r.json()])).toEqual(Array(5).fill([200, { news: 1 }]))
        // The leader's response was for a caller with a cookie; the first waiter to look again leads
        // a miss the others share.
        expect(calls.n).toBe(2)
        expect(h.cache.stats().stores).toBe(1)
      })

      it('waiters of another variant than the leader\'s share one miss of their own variant', async () => {
        const calls = counter()
        const h = await start([
          {
            method: 'GET',
            path: '/v',
            handler: async (req) => (calls.next(), await sleep(150), { headers: { vary: 'x-variant' }, body: { json: { variant: req.headers['x-variant'] } } }),
          },
        ])
        const leader = h.get('/v', { headers: { 'x-variant': 'a' } })
        await sleep(40)
        const waiters = await Promise.all(Array.from({ length: 4 }, () => h.get('/v', { headers: { 'x-variant': 'b' } })))
        expect((await leader).json()).toEqual({ variant: 'a' })
        expect(waiters.map((r) => r.json())).toEqual(Array(4).fill({ variant: 'b' }))
        // Each would otherwise run the handler once the leader's variant turned out not to be theirs.
        expect(calls.n).toBe(2)
      })

      it('a key that answers uncacheable keeps its handler\'s own 304s', async () => {
        const h = await start([
          {
            method: 'GET',
            path: '/me',
            handler: (req) =>
              req.headers['if-none-match'] === '"me1"' ? { status: 304, headers: { etag: '"me1"', 'cache-control': 'private' } } : { headers: { etag: '"me1"', 'cache-control': 'private' }, body: { json: { me: 1 } } },
          },
        ])
        expect((await h.get('/me')).status).toBe(200)
        const again = await h.get('/me', { headers: { 'if-none-match': '"me1"' } })
        expect([again.status, again.body.length]).toEqual([304, 0])
      })

      it('once a key answers uncacheable, concurrent requests for it run side by side, not in waves', async () => {
        let active = 0
        let most = 0
        const calls = counter()
        const h = await start([
          {
            method: 'GET',
            path: '/live',
            handler: async () => {
              calls.next()
              most = Math.max(most, ++active)
              await sleep(100)
              active--
              return { headers: { 'cache-control': 'no-store' }, body: { json: { n: calls.n } } }
            },
          },
        ])
        await h.get('/live')
        most = 0
        const all = await Promise.all(Array.from({ length: 8 }, () => h.get('/live')))
        expect(all.map((r) => r.status)).toEqual(Array(8).fill(200))
        // Coalesced, one would run alone and the other seven after it.
        expect(most).toBe(8)
        expect(calls.n).toBe(9)
      })

      it('a key that turns cacheable is stored at once, even while exempt from coalescing', async () => {
        let cacheable = false
        const calls = counter()
        const h = await start([
          { method: 'GET', path: '/flip', handler: () => (calls.next(), { headers: cacheable ? { 'cache-control': 'max-age=60' } : { 'cache-control': 'no-store' }, body: { json: { n: calls.n } } }) },
        ])
        expect((await h.get('/flip')).cache).toBe('MISS')
        cacheable = true
        expect((await h.get('/flip')).cache).toBe('MISS')
        const hit = await h.get('/flip')
        expect([hit.cache, hit.json()]).toEqual(['HIT', { n: 2 }])
      })

      it('a 5xx keeps coalescing: when the origin recovers, a burst still runs the handler once', async () => {
        let down = true
        const calls = counter()
        const h = await start([
          {
            method: 'GET',
            path: '/flaky',
            handler: async () => {
              calls.next()
              await sleep(100)
              return down ? { status: 503, headers: { 'cache-control': 'no-store' }, body: { json: 'down' } } : { body: { json: { up: true } } }
            },
          },
        ])
        expect((await h.get('/flaky')).status).toBe(503)
        down = false
        const burst = await Promise.all(Array.from({ length: 10 }, () => h.get('/flaky')))
        expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200))
        expect(calls.n).toBe(2)
      })

      it.each([
        ['after the first bytes of its response', true],
        ['before its handler has answered', false],
      ])('a leader whose client goes away %s releases its waiters at once, not at lockTimeout, to share one new miss', async (_when, midBody) => {
        const calls = counter()
        let leaderStarted!: () => void
        const started = new Promise<void>((r) => (leaderStarted = r))
        let finishLeader!: () => void
        const held = new Promise<void>((r) => (finishLeader = r))
        const h = await start(
          [
            {
              method: 'GET',
              path: '/gone',
              handler: async () => {
                if (calls.next() > 1) return { body: { json: { call: calls.n } } }
                leaderStarted()
                if (!midBody) {
                  await held
                  return { body: { json: { call: 1 } } }
                }
                return {
                  body: {
                    stream: () =>
                      Readable.from(
                        (async function* () {
                          yield Buffer.from('partial;')
                          await held
                        })(),
                      ),
                  },
                }
              },
            },
          ],
          // Far beyond the test's own timeout: only the leader's abandonment can release the waiter.
          { lockTimeout: '60s' },
        )
        const { Agent, request } = await import('undici')
        // The leader's own connection pool, closed at the end, so no connection outlives the test.
        const agent = new Agent()
        const abort = new AbortController()
        const leader = request(h.url + '/gone', { signal: abort.signal, dispatcher: agent })
        await started
        const waiters = Promise.all(Array.from({ length: 3 }, () => h.get('/gone')))
        while (h.cache.stats().coalesced < 3) await sleep(5)
        const aborted = (e: unknown): void => {
          if (!abort.signal.aborted) throw e
        }
        if (midBody) {
          const res = await leader
          await (async () => {
            for await (const chunk of res.body) if (chunk.toString().includes('partial;')) abort.abort()
          })().catch(aborted)
        } else {
          abort.abort()
          await leader.then(() => expect.unreachable('the leader was aborted'), aborted)
        }
        const served = await waiters
        finishLeader()
        await agent.destroy()
        // The abandoned response says nothing about the key: rather than each run the handler, the
        // waiters look again and one of them leads.
        expect(served.map((r) => [r.status, r.json()])).toEqual(Array(3).fill([200, { call: 2 }]))
        expect(calls.n).toBe(2)
      }, 10_000)

      it('waiting is bounded by lockTimeout, and the waiters that time out share one new miss', async () => {
        const calls = counter()
        const order: number[] = []
        const h = await start(
          [
            {
              method: 'GET',
              path: '/stuck',
              handler: async () => {
                const n = calls.next()
                await sleep(n === 1 ? 1500 : 10)
                order.push(n)
                return { body: { json: { call: n } } }
              },
            },
          ],
          { lockTimeout: '150ms' },
        )
        const leader = h.get('/stuck')
        await sleep(30)
        const waiters = await Promise.all([h.get('/stuck'), h.get('/stuck'), h.get('/stuck')])
        expect(waiters.map((r) => [r.status, r.json()])).toEqual(Array(3).fill([200, { call: 2 }]))
        expect(order).not.toContain(1)
        await leader
        // One per waiter would put a slow origin under more load just when it is struggling.
        expect(calls.n).toBe(2)
      })
    })

    describe('7. the cache never breaks the app', () => {
      it('a failing store serves every request from the handler as BYPASS and reports it', async () => {
        const errors: string[] = []
        const db = new Map([['1', 'ann']])
        const h = await start(userRoutes(db), { onError: (_e, ctx) => errors.push(ctx.op), breaker: false })
        h.store.mode = 'down'
        const a = await h.get('/users/1')
        expect([a.status, a.cache]).toEqual([200, 'BYPASS'])
        expect(a.json()).toEqual({ id: '1', name: 'ann' })
        expect((await h.get('/users/1', { method: 'PUT' })).status).toBe(204)
        expect(errors).toEqual(expect.arrayContaining(['get', 'invalidate']))
        expect(h.cache.stats().errors).toBeGreaterThanOrEqual(2)
      })

      it('a hanging store costs at most storeTimeout, never a failed request', async () => {
        const h = await start(userRoutes(new Map([['1', 'ann']])), { storeTimeout: '50ms', onError: () => undefined, breaker: false })
        h.store.mode = 'hang'
        const started = Date.now()
        const a = await h.get('/users/1')
        expect([a.status, a.cache]).toEqual([200, 'BYPASS'])
        expect((await h.get('/users/1', { method: 'PUT' })).status).toBe(204)
        // Generous bound: the point is that it does not wait for the store forever.
        expect(Date.now() - started).toBeLessThan(2000)
      })

      it('a store that fails while filling still serves the response', async () => {
        const h = await start(userRoutes(new Map([['1', 'ann']])), { onError: () => undefined, breaker: false })
        await h.get('/users/2')
        const origSet = h.store.set.bind(h.store)
        h.store.set = () => {
          throw new Error('set failed')
        }
        const r = await h.get('/users/1')
        expect([r.status, r.cache]).toEqual([200, 'MISS'])
        expect(r.json().name).toBe('ann')
        h.store.set = origSet
      })

      it('after an invalidation the store missed, the cache is bypassed until it is applied', async () => {
        const db = new Map([['1', 'ann']])
        const h = await start(userRoutes(db), { onError: () => undefined, breaker: false })
        await h.get('/users/1')
        expect((await h.get('/users/1')).cache).toBe('HIT')
        h.store.mode = 'down'
        expect((await h.get('/users/1', { method: 'PUT' })).status).toBe(204)
        h.store.mode = 'ok'
        // The store still holds the old entry; it must not be served.
        const next = await h.get('/users/1')
        expect(next.json().name).toBe('updated-1')
        await sleep(50)
        const later = await h.get('/users/1')
        expect(later.json().name).toBe('updated-1')
      })

      it('the circuit breaker stops calling a failing store, then probes it and resumes', async () => {
        const h = await start(userRoutes(new Map([['1', 'ann']])), { onError: () => undefined, breaker: { failures: 3, cooldown: '300ms' } })
        h.store.mode = 'down'
        for (let i = 0; i < 3; i++) await h.get('/users/1')
        const callsWhenOpen = h.store.calls
        for (let i = 0; i < 5; i++) expect((await h.get('/users/1')).cache).toBe('BYPASS')
        expect(h.store.calls).toBe(callsWhenOpen)
        h.store.mode = 'ok'
        await sleep(350)
        await h.get('/users/1')
        await h.get('/users/1')
        expect((await h.get('/users/1')).cache).toBe('HIT')
      })
    })

    describe('x-cache on every GET/HEAD that passes through', () => {
      it('marks an opted-out route BYPASS and never caches it', async () => {
        const calls = counter()
        const h = await start([{ method: 'GET', path: '/live', options: false, handler: () => (calls.next(), { body: { json: calls.n } }) }])
        expect((await h.get('/live')).cache).toBe('BYPASS')
        expect((await h.get('/live')).cache).toBe('BYPASS')
        expect(calls.n).toBe(2)
      })

      it('caches only opted-in routes when not global, yet mutations still invalidate', async () => {
        const calls = counter()
        const h = await start(
          [
            { method: 'GET', path: '/in/:id', options: true, handler: () => (calls.next(), { body: { json: calls.n } }) },
            { method: 'GET', path: '/out', handler: () => (calls.next(), { body: { json: calls.n } }) },
            { method: 'PUT', path: '/in/:id', handler: () => ({ status: 204 }) },
          ],
          {},
          { global: false },
        )
        await h.get('/in/1')
        expect((await h.get('/in/1')).cache).toBe('HIT')
        await h.get('/out')
        expect((await h.get('/out')).cache).toBeUndefined()
        await h.get('/in/1', { method: 'PUT' })
        expect((await h.get('/in/1')).cache).toBe('MISS')
      })
    })
  })
}
