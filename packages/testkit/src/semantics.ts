import { describe, expect, it } from 'vitest'
import type { AppFactory, RouteSpec } from './apps.js'
import { counter, useHarness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'

/** RFC 9110/9111 behaviour of a shared cache, run against real servers for each adapter. */
export function semanticsSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`HTTP semantics: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    describe('conditional requests', () => {
      const routes = (calls = counter()): RouteSpec[] => [
        { method: 'GET', path: '/tagged', handler: () => (calls.next(), { headers: { etag: 'W/"v1"', 'cache-control': 'public, max-age=60' }, body: { json: { v: 1 } } }) },
        { method: 'GET', path: '/dated', handler: () => (calls.next(), { headers: { 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT' }, body: { json: { v: 1 } } }) },
        { method: 'GET', path: '/bare', handler: () => (calls.next(), { body: { bytes: Buffer.from('no validator from the handler') } }) },
      ]

      it("answers a matching If-None-Match with 304, no body and the headers a 304 must carry", async () => {
        const calls = counter()
        const h = await start(routes(calls))
        await h.get('/tagged')
        for (const inm of ['"v1"', 'W/"v1"', '"other", W/"v1"', '*']) {
          const res = await h.get('/tagged', { headers: { 'if-none-match': inm } })
          expect([res.status, res.cache, res.body.length], inm).toEqual([304, 'HIT', 0])
          expect(res.headers['etag']).toBe('W/"v1"')
          expect(res.headers['cache-control']).toBe('public, max-age=60')
          expect(res.headers['content-type']).toBeUndefined()
          expect(res.headers['age']).toMatch(/^\d+$/)
        }
        const other = await h.get('/tagged', { headers: { 'if-none-match': '"v2"' } })
        expect([other.status, other.json()]).toEqual([200, { v: 1 }])
        expect(calls.n).toBe(1)
      })

      it('answers a satisfied If-Modified-Since with 304, and If-None-Match takes precedence', async () => {
        const h = await start(routes())
        await h.get('/dated')
        expect((await h.get('/dated', { headers: { 'if-modified-since': 'Thu, 22 Oct 2026 00:00:00 GMT' } })).status).toBe(304)
        expect((await h.get('/dated', { headers: { 'if-modified-since': 'Tue, 20 Oct 2026 00:00:00 GMT' } })).status).toBe(200)
        expect((await h.get('/dated', { headers: { 'if-none-match': '"x"', 'if-modified-since': 'Thu, 22 Oct 2026 00:00:00 GMT' } })).status).toBe(200)
      })

      it('gives every entry a validator: a strong ETag computed from the body when the handler sent none', async () => {
        const h = await start(routes())
        await h.get('/bare')
        const hit = await h.get('/bare')
        const etag = hit.headers['etag'] as string
        expect(etag).toMatch(/^(W\/)?"[^"]+"$/)
        expect((await h.get('/bare', { headers: { 'if-none-match': etag } })).status).toBe(304)
      })
    })

    describe('Vary', () => {
      const language = (calls = counter()): RouteSpec[] => [
        {
          method: 'GET',
          path: '/hello',
          handler: async (req) => {
            calls.next()
            await new Promise((r) => setTimeout(r, 50))
            const lang = String(req.headers['accept-language'] ?? 'en')
            return { headers: { vary: 'Accept-Language' }, body: { text: lang.startsWith('fr') ? 'bonjour' : 'hello' } }
          },
        },
        { method: 'PUT', path: '/hello', handler: () => ({ status: 204 }) },
      ]

      it('a response varying on a header the key does not list gets one entry per variant', async () => {
        const calls = counter()
        const h = await start(language(calls))
        const en = { 'accept-language': 'en' }
        const fr = { 'accept-language': 'fr' }
        expect((await h.get('/hello', { headers: en })).text).toBe('hello')
        const frMiss = await h.get('/hello', { headers: fr })
        expect([frMiss.cache, frMiss.text]).toEqual(['MISS', 'bonjour'])
        const enHit = await h.get('/hello', { headers: en })
        expect([enHit.cache, enHit.text, enHit.headers['vary']]).toEqual(['HIT', 'hello', 'Accept-Language'])
        const frHit = await h.get('/hello', { headers: fr })
        expect([frHit.cache, frHit.text]).toEqual(['HIT', 'bonjour'])
        expect(calls.n).toBe(2)
      })

      it('concurrent requests for different variants each get their own', async () => {
        const calls = counter()
        const h = await start(language(calls))
        const all = await Promise.all(['en', 'fr', 'en', 'fr', 'fr'].map((l) => h.get('/hello', { headers: { 'accept-language': l } })))
        expect(all.map((r) => r.text)).toEqual(['hello', 'bonjour', 'hello', 'bonjour', 'bonjour'])
      })

      it('normalises Accept-Encoding variants and invalidates every variant with the path', async () => {
        const h = await start([
          { method: 'GET', path: '/doc', handler: () => ({ headers: { vary: 'accept-encoding' }, body: { text: 'doc' } }) },
          { method: 'PUT', path: '/doc', handler: () => ({ status: 204 }) },
        ])
        await h.get('/doc', { headers: { 'accept-encoding': 'gzip, br' } })
        expect((await h.get('/doc', { headers: { 'accept-encoding': 'br;q=1.0, gzip' } })).cache).toBe('HIT')
        await h.get('/doc', { headers: { 'accept-encoding': 'identity' } })
        expect((await h.get('/doc', { headers: { 'accept-encoding': 'identity' } })).cache).toBe('HIT')
        await h.get('/doc', { method: 'PUT' })
        expect((await h.get('/doc', { headers: { 'accept-encoding': 'gzip, br' } })).cache).toBe('MISS')
        expect((await h.get('/doc', { headers: { 'accept-encoding': 'identity' } })).cache).toBe('MISS')
      })
    })

    describe('invalidation targets (RFC 9111 §4.4)', () => {
      it('a successful unsafe request also invalidates same-origin Location and Content-Location, not other origins', async () => {
        const h = await start([
          { method: 'GET', path: '/things/:id', handler: (req) => ({ body: { json: { id: req.params.id } } }) },
          { method: 'POST', path: '/make', handler: () => ({ status: 201, headers: { location: '/things/7' } }) },
          { method: 'POST', path: '/make-absolute', handler: (req) => ({ status: 201, headers: { location: `http://${req.host}/things/8` } }) },
          { method: 'PUT', path: '/replace', handler: () => ({ status: 200, headers: { 'content-location': '/things/9' }, body: { json: 'ok' } }) },
          { method: 'POST', path: '/elsewhere', handler: () => ({ status: 201, headers: { location: 'http://elsewhere.test/things/10' } }) },
        ])
        for (const id of [7, 8, 9, 10]) await h.get(`/things/${id}`)
        await h.get('/make', { method: 'POST' })
        await h.get('/make-absolute', { method: 'POST' })
        await h.get('/replace', { method: 'PUT' })
        await h.get('/elsewhere', { method: 'POST' })
        expect((await h.get('/things/7')).cache).toBe('MISS')
        expect((await h.get('/things/8')).cache).toBe('MISS')
        expect((await h.get('/things/9')).cache).toBe('MISS')
        expect((await h.get('/things/10')).cache).toBe('HIT')
      })
    })

    describe('client directives', () => {
      const routes = (calls: ReturnType<typeof counter>, clientCacheControl?: boolean): RouteSpec[] => [
        { method: 'GET', path: '/x', options: clientCacheControl === undefined ? undefined : { clientCacheControl }, handler: () => ({ body: { json: { call: calls.next() } } }) },
      ]

      it('ignores a client Cache-Control by default: no client can force origin hits', async () => {
        const calls = counter()
        const h = await start(routes(calls))
        await h.get('/x')
        for (const cc of ['no-cache', 'no-store', 'max-age=0']) expect((await h.get('/x', { headers: { 'cache-control': cc } })).cache).toBe('HIT')
        expect((await h.get('/x', { headers: { pragma: 'no-cache' } })).cache).toBe('HIT')
        expect(calls.n).toBe(1)
      })

      it('honours no-cache / max-age=0 (refresh) and no-store (bypass) when the route allows it', async () => {
        const calls = counter()
        const h = await start(routes(calls, true))
        await h.get('/x')
        const refreshed = await h.get('/x', { headers: { 'cache-control': 'no-cache' } })
        expect([refreshed.cache, refreshed.json().call]).toEqual(['MISS', 2])
        expect((await h.get('/x')).json().call).toBe(2)
        expect((await h.get('/x', { headers: { 'cache-control': 'max-age=0' } })).json().call).toBe(3)
        const bypassed = await h.get('/x', { headers: { 'cache-control': 'no-store' } })
        expect([bypassed.cache, bypassed.json().call]).toEqual(['BYPASS', 4])
        expect((await h.get('/x')).json().call).toBe(3)
      })
    })

    describe('storability', () => {
      it('stores a Set-Cookie response only when the route opts in, and never the cookie', async () => {
        const h = await start([
          { method: 'GET', path: '/plain', handler: () => ({ headers: { 'set-cookie': 'sid=1' }, body: { json: 1 } }) },
          { method: 'GET', path: '/opted', options: { allowSetCookie: true }, handler: () => ({ headers: { 'set-cookie': 'sid=1' }, body: { json: 1 } }) },
        ])
        await h.get('/plain')
        expect((await h.get('/plain')).cache).toBe('MISS')
        expect((await h.get('/opted')).headers['set-cookie']).toBeDefined()
        const hit = await h.get('/opted')
        expect(hit.cache).toBe('HIT')
        expect(hit.headers['set-cookie']).toBeUndefined()
      })

      it('stores heuristically cacheable statuses only when listed', async () => {
        const h = await start([
          { method: 'GET', path: '/moved', options: { statuses: [200, 301, 410] }, handler: () => ({ status: 301, headers: { location: '/new' } }) },
          { method: 'GET', path: '/gone', options: { statuses: [200, 301, 410] }, handler: () => ({ status: 410, body: { json: 'gone' } }) },
          { method: 'GET', path: '/gone-default', handler: () => ({ status: 410, body: { json: 'gone' } }) },
        ])
        for (const p of ['/moved', '/gone', '/gone-default']) await h.get(p)
        const moved = await h.get('/moved')
        expect([moved.cache, moved.status, moved.headers['location']]).toEqual(['HIT', 301, '/new'])
        expect((await h.get('/gone')).cache).toBe('HIT')
        expect((await h.get('/gone-default')).cache).toBe('MISS')
      })
    })
  })
}
