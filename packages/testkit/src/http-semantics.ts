import { describe, expect, it } from 'vitest'
import type { AppFactory, Reply, RouteSpec, StartOptions } from './apps.js'
import { counter, useHarness } from './harness.js'
import { sleep } from './http.js'
import type { StoreFactory } from './store-wrappers.js'

const BODY = 'abcdefghij'

/**
 * RFC 9111 invalidation by any unsafe method, the headers a hit carries (none that `Connection`
 * named, the stored response's Date), Range and If-Range answered from a stored entry, and the
 * validator a miss carries. Run against real servers for each adapter and store.
 */
export function httpSemanticsSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`invalidation, hit headers and ranges: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    describe('every unsafe or unknown method invalidates after a non-error response (RFC 9111 §4.4)', () => {
      const routes = (method: string, status: number, calls = counter()): RouteSpec[] => [
        { method: 'GET', path: '/r', handler: () => ({ body: { json: { call: calls.next() } } }) },
        { method, path: '/r', handler: () => ({ status, body: { json: { ok: true } } }) },
      ]

      it.each(['PURGE', 'LOCK', 'PROPPATCH', 'MKCOL', 'UNLINK', 'POST'])('%s', async (method) => {
        for (const global of [true, false]) {
          const calls = counter()
          const options: RouteSpec['options'] = global ? undefined : true
          const h = await start(
            routes(method, 200, calls).map((r) => (r.method === 'GET' ? { ...r, options } : r)),
            {},
            { global },
          )
          expect((await h.get('/r')).cache, `global: ${global}`).toBe('MISS')
          expect((await h.get('/r')).cache, `global: ${global}`).toBe('HIT')
          expect((await h.get('/r', { method })).status).toBe(200)
          expect((await h.get('/r')).cache, `global: ${global}`).toBe('MISS')
          expect(calls.n).toBe(2)
        }
      })

      it.each(['OPTIONS', 'PROPFIND', 'REPORT', 'SEARCH'])('not the safe %s', async (method) => {
        const h = await start(routes(method, 200))
        await h.get('/r')
        expect((await h.get('/r', { method })).status).toBe(200)
        expect((await h.get('/r')).cache).toBe('HIT')
      })

      it.each([[400], [404], [500]])('not after a %i', async (status) => {
        const h = await start(routes('PURGE', status))
        await h.get('/r')
        expect((await h.get('/r', { method: 'PURGE' })).status).toBe(status)
        expect((await h.get('/r')).cache).toBe('HIT')
      })
    })

    describe('headers a hit never replays', () => {
      it('the headers the response named in Connection, and hop-by-hop ones', async () => {
        const h = await start([
          {
            method: 'GET',
            path: '/r',
            handler: () => ({ headers: { connection: 'X-Foo, x-baz', 'x-foo': 'for this hop', 'x-baz': 'this hop too', 'x-bar': 'kept', 'keep-alive': 'timeout=7, max=3', 'proxy-connection': 'keep-alive' }, body: { json: {} } }),
          },
        ])
        await h.get('/r')
        const hit = await h.get('/r')
        expect(hit.cache).toBe('HIT')
        expect(hit.headers['x-bar']).toBe('kept')
        for (const name of ['x-foo', 'x-baz', 'proxy-connection']) expect(hit.headers[name], name).toBeUndefined()
        expect(hit.headers['connection']).not.toMatch(/x-foo|x-baz/i)
        // Node sends its own Keep-Alive: never the handler's.
        expect(hit.headers['keep-alive'] ?? '').not.toBe('timeout=7, max=3')
      })
    })

    describe('Date (RFC 9110 §6.6.1): a hit carries the stored response\'s, and Age how old it is', () => {
      it('the Date its miss was sent with, when the handler set none', async () => {
        const h = await start([{ method: 'GET', path: '/r', handler: () => ({ body: { json: {} } }) }])
        const miss = await h.get('/r')
        // Dates have a resolution of a second: a hit stamped afresh would carry a later one.
        await sleep(1100)
        const hit = await h.get('/r')
        expect(hit.cache).toBe('HIT')
        expect(miss.headers['date']).toBeDefined()
        expect(Math.abs(Date.parse(hit.headers['date'] as string) - Date.parse(miss.headers['date'] as string))).toBeLessThanOrEqual(1000)
        expect(Date.parse(hit.headers['date'] as string)).toBeLessThan(Date.now() - 900)
        expect(Number(hit.headers['age'])).toBeGreaterThanOrEqual(1)
        const revalidated = await h.get('/r', { headers: { 'if-none-match': hit.headers['etag'] as string } })
        expect([revalidated.status, revalidated.headers['date']]).toEqual([304, hit.headers['date']])
      })

      it('the Date the handler set', async () => {
        const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 2000).toUTCString()
        const h = await start([{ method: 'GET', path: '/r', handler: () => ({ headers: { date }, body: { json: {} } }) }])
        await h.get('/r')
        const hit = await h.get('/r')
        expect([hit.cache, hit.headers['date']]).toEqual(['HIT', date])
      })
    })

    describe('Range and If-Range answered from a stored entry (RFC 9110 §14)', () => {
      const lastModified = 'Wed, 21 Oct 2026 07:28:00 GMT'
      const ranged = (headers: Record<string, string> = {}, status = 200, calls = counter()): RouteSpec[] => [
        { method: 'GET', path: '/r', options: { statuses: [200, 203] }, handler: (): Reply => (calls.next(), { status, headers, body: { text: BODY } }) },
      ]
      const warm = async (routes = ranged()) => {
        const h = await start(routes)
        const miss = await h.get('/r')
        expect(miss.cache).toBe('MISS')
        return h
      }

      it.each([
        ['bytes=2-4', 'cde', 'bytes 2-4/10'],
        ['bytes=-3', 'hij', 'bytes 7-9/10'],
        ['bytes=7-', 'hij', 'bytes 7-9/10'],
        ['bytes=8-100', 'ij', 'bytes 8-9/10'],
        ['bytes=0-0', 'a', 'bytes 0-0/10'],
        ['bytes=-100', BODY, 'bytes 0-9/10'],
        ['Bytes = 1-1', 'b', 'bytes 1-1/10'],
      ])('%s: 206 with the slice', async (range, body, contentRange) => {
        const h = await warm()
        const res = await h.get('/r', { headers: { range } })
        expect([res.status, res.cache, res.text, res.headers['content-range'], res.headers['content-length']]).toEqual([206, 'HIT', body, contentRange, String(body.length)])
        expect(res.headers['content-type']).toMatch(/^text\/plain/)
        expect(res.headers['etag']).toBeDefined()
      })

      it.each(['bytes=10-', 'bytes=100-200', 'bytes=-0'])('%s: 416 with the length', async (range) => {
        const h = await warm()
        const res = await h.get('/r', { headers: { range } })
        expect([res.status, res.cache, res.text, res.headers['content-range']]).toEqual([416, 'HIT', '', 'bytes */10'])
      })

      it.each(['bytes=5-2', 'bytes=x-1', 'bytes=', 'bytes=-', 'items=0-1', '0-1', 'bytes=0-1,3-4', 'bytes=0-1, 5-'])('%s: ignored, the whole 200', async (range) => {
        const h = await warm()
        const res = await h.get('/r', { headers: { range } })
        expect([res.status, res.cache, res.text, res.headers['content-range']]).toEqual([200, 'HIT', BODY, undefined])
      })

      it('a HEAD with Range gets the 200\'s headers, no body', async () => {
        const h = await warm()
        const res = await h.get('/r', { method: 'HEAD', headers: { range: 'bytes=0-1' } })
        expect([res.status, res.cache, res.text, res.headers['content-range'], res.headers['content-length']]).toEqual([200, 'HIT', '', undefined, '10'])
      })

      it('not on an entry that is not a 200, nor one that said Accept-Ranges: none', async () => {
        const cases: Array<[RouteSpec[], number]> = [
          [ranged({}, 203), 203],
          [ranged({ 'accept-ranges': 'none' }), 200],
        ]
        for (const [routes, status] of cases) {
          const h = await warm(routes)
          const res = await h.get('/r', { headers: { range: 'bytes=0-1' } })
          expect([res.status, res.cache, res.text]).toEqual([status, 'HIT', BODY])
        }
      })

      it('a matching If-None-Match wins over Range: 304', async () => {
        const h = await warm()
        const etag = (await h.get('/r')).headers['etag'] as string
        const res = await h.get('/r', { headers: { range: 'bytes=0-1', 'if-none-match': etag } })
        expect([res.status, res.cache]).toEqual([304, 'HIT'])
      })

      it('If-Range with the strong ETag applies the range; any other, or a weak one, gets the whole 200', async () => {
        const h = await warm(ranged({ etag: '"v1"' }))
        const partial = await h.get('/r', { headers: { range: 'bytes=0-1', 'if-range': '"v1"' } })
        expect([partial.status, partial.text]).toEqual([206, 'ab'])
        for (const ifRange of ['"v2"', 'W/"v1"']) {
          const whole = await h.get('/r', { headers: { range: 'bytes=0-1', 'if-range': ifRange } })
          expect([whole.status, whole.text], ifRange).toEqual([200, BODY])
        }
      })

      it('If-Range never matches a weak ETag', async () => {
        const h = await warm(ranged({ etag: 'W/"v1"' }))
        const res = await h.get('/r', { headers: { range: 'bytes=0-1', 'if-range': 'W/"v1"' } })
        expect([res.status, res.text]).toEqual([200, BODY])
      })

      it('If-Range with the Last-Modified date applies the range; another date gets the whole 200', async () => {
        const h = await warm(ranged({ 'last-modified': lastModified }))
        const partial = await h.get('/r', { headers: { range: 'bytes=-2', 'if-range': lastModified } })
        expect([partial.status, partial.text]).toEqual([206, 'ij'])
        const whole = await h.get('/r', { headers: { range: 'bytes=-2', 'if-range': 'Thu, 22 Oct 2026 07:28:00 GMT' } })
        expect([whole.status, whole.text]).toEqual([200, BODY])
      })

      it('a Range on a miss stores and sends the whole response', async () => {
        const calls = counter()
        const h = await start(ranged({}, 200, calls))
        const miss = await h.get('/r', { headers: { range: 'bytes=0-1' } })
        expect([miss.status, miss.cache, miss.text]).toEqual([200, 'MISS', BODY])
        const hit = await h.get('/r', { headers: { range: 'bytes=0-1' } })
        expect([hit.status, hit.cache, hit.text]).toEqual([206, 'HIT', 'ab'])
        expect(calls.n).toBe(1)
      })
    })

    describe('a miss carries the validator its hits will', () => {
      const bodies: Array<[string, Reply['body']]> = [
        ['text', { text: BODY }],
        ['json', { json: { body: BODY } }],
        ['bytes', { bytes: Buffer.from(BODY) }],
        ['the whole body in one end', { end: BODY }],
      ]

      const check = async (body: Reply['body'], startOptions: StartOptions = {}) => {
        const h = await start([{ method: 'GET', path: '/r', handler: () => ({ body }) }], {}, startOptions)
        const miss = await h.get('/r')
        const hit = await h.get('/r')
        expect([miss.cache, hit.cache]).toEqual(['MISS', 'HIT'])
        expect(miss.headers['etag']).toMatch(/^(W\/)?"[^"]+"$/)
        expect(hit.headers['etag']).toBe(miss.headers['etag'])
        const revalidated = await h.get('/r', { headers: { 'if-none-match': miss.headers['etag'] as string } })
        expect(revalidated.status).toBe(304)
      }

      it.each(bodies)('%s', async (_name, body) => check(body))

      // Express's own ETag covers res.send by default; without it larder's must be there.
      it.each(bodies)('%s, with the framework\'s etag setting off', async (_name, body) => check(body, { etag: false }))

      it('not when the handler set a validator of its own: that one, unchanged', async () => {
        const validators: Array<Record<string, string>> = [{ etag: '"mine"' }, { 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT' }]
        for (const headers of validators) {
          const h = await start([{ method: 'GET', path: '/r', handler: () => ({ headers, body: { text: BODY } }) }], {}, { etag: false })
          const miss = await h.get('/r')
          const hit = await h.get('/r')
          expect(miss.headers['etag']).toBe(headers.etag)
          expect(hit.headers['etag']).toBe(headers.etag)
        }
      })
    })
  })
}
