import { describe, expect, it } from 'vitest'
import type { AppFactory, Reply, RouteSpec } from './apps.js'
import { counter, useHarness, type Harness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'
import { gate, until } from './waiting.js'

/**
 * What larder stores and shares, by the response's freshness and the request's credentials and
 * directives: stale by Expires, client Cache-Control only where a route honours it, cookies only
 * on public/s-maxage, lifetimes clamped. Run against real servers for each adapter and store.
 */
export function policySuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`freshness and sharing policy: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    const replying = (reply: () => Reply, options?: RouteSpec['options'], calls = counter()): RouteSpec[] => [
      { method: 'GET', path: '/r', options, handler: () => (calls.next(), { ...reply(), body: { json: { call: calls.n } } }) },
    ]

    describe('a response already stale by Expires is not stored (RFC 9111 §5.3, §4.2.1)', () => {
      const inAnHour = () => new Date(Date.now() + 3_600_000).toUTCString()
      it.each([
        ['Expires: 0', () => ({ expires: '0' })],
        ['Expires: -1', () => ({ expires: '-1' })],
        ['an Expires in the past', () => ({ expires: new Date(Date.now() - 60_000).toUTCString() })],
        ['an invalid Expires', () => ({ expires: 'garbage' })],
        ['an Expires equal to the response\'s own Date', () => ({ date: inAnHour(), expires: inAnHour() })],
        ['an Expires before the response\'s own Date', () => ({ date: inAnHour(), expires: new Date(Date.now() + 60_000).toUTCString() })],
      ])('%s', async (_name, headers) => {
        const calls = counter()
        const h = await start(replying(() => ({ headers: headers() }), undefined, calls))
        expect((await h.get('/r')).cache).toBe('MISS')
        expect((await h.get('/r')).cache).toBe('MISS')
        expect(calls.n).toBe(2)
      })

      it.each([
        ['max-age', 'max-age=60'],
        ['s-maxage', 's-maxage=60'],
      ])('%s present: Expires is ignored and the response is stored', async (_name, cacheControl) => {
        const h = await start(replying(() => ({ headers: { expires: '0', 'cache-control': cacheControl } })))
        await h.get('/r')
        expect((await h.get('/r')).cache).toBe('HIT')
      })

      it('a future Expires is stored', async () => {
        const h = await start(replying(() => ({ headers: { expires: inAnHour() } })))
        await h.get('/r')
        expect((await h.get('/r')).cache).toBe('HIT')
      })

      it('respectCacheControl: false ignores Expires, as it ignores max-age', async () => {
        const h = await start(replying(() => ({ headers: { expires: '0' } }), { respectCacheControl: false }))
        await h.get('/r')
        expect((await h.get('/r')).cache).toBe('HIT')
      })
    })

    describe('client Cache-Control reaches only the routes that honour it', () => {
      const directives: Array<Record<string, string>> = [{ 'cache-control': 'no-cache' }, { 'cache-control': 'no-store' }, { 'cache-control': 'max-age=0' }, { pragma: 'no-cache' }]

      const routes = (calls: { honours: ReturnType<typeof counter>; plain: ReturnType<typeof counter>; tuned: ReturnType<typeof counter> }, held?: ReturnType<typeof gate>): RouteSpec[] => [
        { method: 'GET', path: '/honours', options: { clientCacheControl: true }, handler: () => ({ body: { json: { call: calls.honours.next() } } }) },
        {
          method: 'GET',
          path: '/plain',
          handler: async () => {
            const call = calls.plain.next()
            if (held !== undefined) await held.wait()
            return { body: { json: { call } } }
          },
        },
        { method: 'GET', path: '/tuned', options: { ttl: '1h' }, handler: () => ({ body: { json: { call: calls.tuned.next() } } }) },
      ]
      const counters = () => ({ honours: counter(), plain: counter(), tuned: counter() })

      it('a directive to a route without clientCacheControl is answered from the cache, though another route honours directives', async () => {
        const calls = counters()
        const h = await start(routes(calls))
        await h.get('/plain')
        await h.get('/tuned')
        for (const headers of directives) {
          for (const path of ['/plain', '/tuned']) {
            const res = await h.get(path, { headers })
            expect([res.cache, res.json().call], `${path} ${JSON.stringify(headers)}`).toEqual(['HIT', 1])
          }
        }
        expect([calls.plain.n, calls.tuned.n]).toEqual([1, 1])
      })

      it('concurrent no-cache requests to such a route share one handler run', async () => {
        const calls = counters()
        const held = gate()
        const h = await start(routes(calls, held))
        const all = Promise.all(Array.from({ length: 5 }, () => h.get('/plain', { headers: { 'cache-control': 'no-cache' } })))
        await until(() => h.cache.stats().coalesced >= 4 || calls.plain.n > 1)
        held.release()
        const responses = await all
        expect(calls.plain.n).toBe(1)
        expect(responses.map((r) => r.json().call)).toEqual([1, 1, 1, 1, 1])
      })

      it('the route with clientCacheControl refreshes on no-cache / max-age=0 / Pragma and bypasses on no-store', async () => {
        const calls = counters()
        const h = await start(routes(calls))
        await h.get('/honours')
        const refreshed = await h.get('/honours', { headers: { 'cache-control': 'no-cache' } })
        expect([refreshed.cache, refreshed.json().call]).toEqual(['MISS', 2])
        expect((await h.get('/honours')).json().call).toBe(2)
        expect((await h.get('/honours', { headers: { 'cache-control': 'max-age=0' } })).json().call).toBe(3)
        expect((await h.get('/honours', { headers: { pragma: 'no-cache' } })).json().call).toBe(4)
        const bypassed = await h.get('/honours', { headers: { 'cache-control': 'no-store' } })
        expect([bypassed.cache, bypassed.json().call]).toEqual(['BYPASS', 5])
        const hit = await h.get('/honours')
        expect([hit.cache, hit.json().call]).toEqual(['HIT', 4])
      })

      it('with clientCacheControl on for the whole cache, a route that turns it off answers directives from the cache', async () => {
        const strict = counter()
        const open = counter()
        const h = await start(
          [
            { method: 'GET', path: '/strict', options: { clientCacheControl: false }, handler: () => ({ body: { json: { call: strict.next() } } }) },
            { method: 'GET', path: '/open', handler: () => ({ body: { json: { call: open.next() } } }) },
          ],
          { clientCacheControl: true },
        )
        await h.get('/strict')
        await h.get('/open')
        for (const headers of directives) expect((await h.get('/strict', { headers })).cache, JSON.stringify(headers)).toBe('HIT')
        expect(strict.n).toBe(1)
        const refreshed = await h.get('/open', { headers: { 'cache-control': 'no-cache' } })
        expect([refreshed.cache, refreshed.json().call]).toEqual(['MISS', 2])
      })
    })

    describe('requests with a Cookie share only responses marked public or s-maxage', () => {
      const personal = (cacheControl: string, calls = counter(), held?: ReturnType<typeof gate>): RouteSpec[] => [
        {
          method: 'GET',
          path: '/profile',
          handler: async (req) => {
            calls.next()
            if (held !== undefined && calls.n === 1) await held.wait()
            return { headers: { 'cache-control': cacheControl }, body: { json: { user: req.headers['cookie'] ?? 'anonymous' } } }
          },
        },
      ]
      const user = async (h: Harness, cookie?: string) => (await h.get('/profile', cookie === undefined ? {} : { headers: { cookie } })).json().user

      it('a personalised page marked max-age=60, must-revalidate never reaches an anonymous request or another cookie', async () => {
        const h = await start(personal('max-age=60, must-revalidate'))
        expect(await user(h, 'sid=A')).toBe('sid=A')
        expect(await user(h, 'sid=A')).toBe('sid=A')
        expect(await user(h)).toBe('anonymous')
        expect(await user(h, 'sid=B')).toBe('sid=B')
        expect(await user(h)).toBe('anonymous')
        expect(await user(h, 'sid=A')).toBe('sid=A')
      })

      it.each([
        ['a cookie leader to an anonymous waiter', 'sid=A', undefined],
        ['an anonymous leader to a cookie waiter', undefined, 'sid=B'],
      ])('nor through single flight: from %s', async (_name, leaderCookie, waiterCookie) => {
        const held = gate()
        const calls = counter()
        const h = await start(personal('max-age=60, must-revalidate', calls, held))
        const leader = user(h, leaderCookie)
        await until(() => calls.n === 1)
        const waiter = user(h, waiterCookie)
        // The waiter is waiting on the leader's miss (or, before the fix, bypassed it).
        await until(() => h.cache.stats().coalesced === 1 || calls.n > 1)
        held.release()
        expect(await leader).toBe(leaderCookie ?? 'anonymous')
        expect(await waiter).toBe(waiterCookie ?? 'anonymous')
      })

      it.each([['public, max-age=60'], ['s-maxage=60']])('%s is shared with cookie requests', async (cacheControl) => {
        const h = await start(personal(cacheControl))
        expect(await user(h, 'sid=A')).toBe('sid=A')
        const other = await h.get('/profile', { headers: { cookie: 'sid=B' } })
        expect([other.cache, other.json().user]).toEqual(['HIT', 'sid=A'])
      })

      it('a route with allowCookies stores and serves requests with cookies, under a global larder too', async () => {
        const calls = counter()
        const h = await start([{ method: 'GET', path: '/banner', options: { allowCookies: true }, handler: () => ({ body: { json: { call: calls.next() } } }) }])
        await h.get('/banner', { headers: { cookie: 'consent=1' } })
        const other = await h.get('/banner', { headers: { cookie: 'consent=2' } })
        expect([other.cache, other.json().call]).toEqual(['HIT', 1])
      })

      it('with allowCookies for the whole cache, a route that turns it off keeps requests with cookies apart', async () => {
        const h = await start(
          [{ method: 'GET', path: '/profile', options: { allowCookies: false }, handler: (req) => ({ body: { json: { user: req.headers['cookie'] ?? 'anonymous' } } }) }],
          { allowCookies: true },
        )
        expect(await user(h, 'sid=A')).toBe('sid=A')
        expect(await user(h)).toBe('anonymous')
        expect(await user(h)).toBe('anonymous')
        expect(await user(h, 'sid=B')).toBe('sid=B')
      })

      it('Authorization keeps RFC 9111 §3.5: must-revalidate shares the response', async () => {
        const calls = counter()
        const h = await start([
          { method: 'GET', path: '/doc', handler: (req) => (calls.next(), { headers: { 'cache-control': 'max-age=60, must-revalidate' }, body: { json: { by: req.headers['authorization'] } } }) },
        ])
        await h.get('/doc', { headers: { authorization: 'Bearer A' } })
        const other = await h.get('/doc', { headers: { authorization: 'Bearer B' } })
        expect([other.cache, other.json().by]).toEqual(['HIT', 'Bearer A'])
        // A request with both must satisfy both rules: the cookie's is the stricter.
        const both = await h.get('/doc', { headers: { authorization: 'Bearer B', cookie: 'sid=B' } })
        expect([both.cache, both.json().by]).toEqual(['BYPASS', 'Bearer B'])
      })
    })

    describe('lifetimes are clamped to a year', () => {
      it.each([
        ['s-maxage=99999999999999999999'],
        ['max-age=99999999999999999999'],
        [`max-age=${'9'.repeat(400)}`],
        ['s-maxage=2147483648'],
      ])('a response with %s is stored and served', async (cacheControl) => {
        const calls = counter()
        const h = await start(replying(() => ({ headers: { 'cache-control': cacheControl } }), undefined, calls))
        await h.get('/r')
        const hit = await h.get('/r')
        expect([hit.cache, hit.json().call]).toEqual(['HIT', 1])
        expect(h.cache.stats().errors).toBe(0)
      })
    })
  })
}
