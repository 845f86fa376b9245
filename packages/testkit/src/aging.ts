import { describe, expect, it } from 'vitest'
import type { AppFactory, HandlerRequest, Reply, RouteSpec } from './apps.js'
import { useHarness, type Harness } from './harness.js'
import { sleep, type Response } from './http.js'
import type { StoreFactory } from './store-wrappers.js'
import { gate, until } from './waiting.js'

const httpDate = (ms: number): string => new Date(ms).toUTCString()
const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value)

/**
 * Which run of the handler a response's body came from, or its text when it is not such a body:
 * a wrong body fails the assertion that reads it, not JSON.parse.
 */
function callOf(res: Response): unknown {
  try {
    return (res.json() as { call?: unknown }).call
  } catch {
    return res.text
  }
}

/** What a resource's handler was asked: how often, and with which conditions. */
interface Seen {
  n: number
  ifNoneMatch: Array<string | undefined>
  ifModifiedSince: Array<string | undefined>
}

/**
 * A GET route whose handler records each request's conditions and answers `reply(call, req)`;
 * a reply other than a 304 without a body of its own gets `{ call }` as its JSON body, so a test
 * can tell which run of the handler a response came from.
 */
function resource(reply: (call: number, req: HandlerRequest) => Reply, options?: RouteSpec['options'], path = '/r'): { route: RouteSpec; seen: Seen } {
  const seen: Seen = { n: 0, ifNoneMatch: [], ifModifiedSince: [] }
  const route: RouteSpec = {
    method: 'GET',
    path,
    options,
    handler: (req) => {
      const call = ++seen.n
      seen.ifNoneMatch.push(one(req.headers['if-none-match']))
      seen.ifModifiedSince.push(one(req.headers['if-modified-since']))
      const r = reply(call, req)
      return r.status === 304 || r.body !== undefined ? r : { ...r, body: { json: { call } } }
    },
  }
  return { route, seen }
}

/** The same headers on every response. */
const always = (headers: () => Record<string, string | string[]>, options?: RouteSpec['options']) => resource((): Reply => ({ headers: headers() }), options)

const REFRESHED = { etag: '"v1"', 'cache-control': 'max-age=3600', 'x-version': '2' }

/**
 * A resource first served with `first` and ETag "v1"; a request whose If-None-Match is "v1" is
 * answered 304 with a fresh lifetime and a new header (x-version: 2), any other with a new version.
 */
function versioned(first: Record<string, string>, options?: RouteSpec['options']) {
  return resource((call, req): Reply => {
    if (call === 1) return { headers: { ...first, etag: '"v1"' } }
    if (req.headers['if-none-match'] === '"v1"') return { status: 304, headers: REFRESHED }
    return { headers: { 'cache-control': 'max-age=3600', etag: `"v${call}"` } }
  }, options)
}

/** Requests `path` `times` times; none may be a hit, and each must have reached the handler. */
async function neverHit(h: Harness, seen: Seen, path = '/r', times = 3): Promise<void> {
  const statuses: Array<string | undefined> = []
  for (let i = 0; i < times; i++) statuses.push((await h.get(path)).cache)
  expect(statuses).not.toContain('HIT')
  expect(statuses).not.toContain('STALE')
  expect(seen.n).toBe(times)
}

/** The second request is a hit served from the first response. */
async function hitsOnSecond(h: Harness, seen: Seen, path = '/r'): Promise<void> {
  await h.get(path)
  const hit = await h.get(path)
  expect([hit.cache, callOf(hit)]).toEqual(['HIT', 1])
  expect(seen.n).toBe(1)
}

/**
 * Entry lifetimes (RFC 9111 §4.2), explicit-freshness-only caching, revalidation of stale entries
 * (§4.3), request directives (§5.2.1) and targeted fields (RFC 9213), from the outside: real
 * servers for each adapter and store, the handler's view of each request, and x-cache.
 */
export function agingSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`entry lifetimes and revalidation: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)
    const inAnHour = () => httpDate(Date.now() + 3_600_000)

    describe('the lifetime: s-maxage, else max-age, else Expires − Date, else ttl (RFC 9111 §4.2.1)', () => {
      // Where a parser that missed the freshness would fall back to ttl, requireFreshness keeps ttl
      // from storing the response: only the freshness read can make it a hit.
      const explicitOnly = { requireFreshness: true }
      it.each([
        ['s-maxage=3600, max-age=0 (a shared cache reads s-maxage first)', () => ({ 'cache-control': 's-maxage=3600, max-age=0' }), undefined],
        ['max-age=3600 with an Expires in the past', () => ({ 'cache-control': 'max-age=3600', expires: httpDate(Date.now() - 7_200_000), date: httpDate(Date.now()) }), undefined],
        ['max-age="3600" (quoted: recipients accept both forms, §5.2)', () => ({ 'cache-control': 'max-age="3600"' }), explicitOnly],
        ['a CC extension before max-age=3600', () => ({ 'cache-control': 'foobar, max-age=3600' }), explicitOnly],
        ['Age: abc (not a number: ignored)', () => ({ 'cache-control': 'max-age=3600', age: 'abc' }), undefined],
        ['Age: -7200 (negative: ignored)', () => ({ 'cache-control': 'max-age=3600', age: '-7200' }), undefined],
        ['Age: 7200.0 (not an integer: ignored)', () => ({ 'cache-control': 'max-age=3600', age: '7200.0' }), undefined],
        ['Age: 0, 7200 (the first value counts)', () => ({ 'cache-control': 'max-age=3600', age: '0, 7200' }), undefined],
        ['max-age=10000 with two lines Age: 3600', () => ({ 'cache-control': 'max-age=10000', age: ['3600', '3600'] }), undefined],
      ])('freshness is read from %s: stored and served', async (_name, headers, options) => {
        const { route, seen } = always(headers, options)
        const h = await start([route])
        await hitsOnSecond(h, seen)
      })

      it('a hit counts the response\'s own Age: max-age=600 with Age: 30 is a hit whose Age is at least 30', async () => {
        const { route, seen } = always(() => ({ 'cache-control': 'max-age=600', age: '30' }))
        const h = await start([route])
        const miss = await h.get('/r')
        const hit = await h.get('/r')
        expect([miss.cache, hit.cache, seen.n]).toEqual(['MISS', 'HIT', 1])
        expect(hit.headers['age']).toEqual(expect.stringMatching(/^\d+$/))
        expect(Number(hit.headers['age'])).toBeGreaterThanOrEqual(30)
        expect(Number(hit.headers['age'])).toBeLessThan(60)
      })

      it('the handler\'s own delay counts in the age (RFC 9111 §4.2.3 response_delay): max-age=1 sent after 1.1 s is stale on arrival', async () => {
        const { route, seen } = always(() => ({ 'cache-control': 'max-age=1' }))
        const slowFirst: RouteSpec = {
          ...route,
          handler: async (req) => {
            if (seen.n === 0) await sleep(1100)
            return route.handler(req)
          },
        }
        const h = await start([slowFirst])
        await h.get('/r')
        const again = await h.get('/r')
        expect(again.cache).not.toBe('HIT')
        expect(seen.n).toBe(2)
      })

      it('after 1.1 s: an Expires an hour ahead outlives ttl 1s, an Expires 1 s after Date ends before ttl 1h, and a hit\'s Age has grown', async () => {
        const longer = always(() => ({ date: httpDate(Date.now()), expires: inAnHour() }), { ttl: '1s' })
        const shorter = always(() => {
          const now = Date.now()
          return { date: httpDate(now), expires: httpDate(now + 1000) }
        }, { ttl: '1h' })
        const aged = always(() => ({ 'cache-control': 'max-age=600' }))
        const h = await start([
          { ...longer.route, path: '/longer' },
          { ...shorter.route, path: '/shorter' },
          { ...aged.route, path: '/aged' },
        ])
        await h.get('/longer')
        await h.get('/shorter')
        await h.get('/aged')
        const before = await h.get('/aged')
        await sleep(1100)
        const afterLonger = await h.get('/longer')
        const afterShorter = await h.get('/shorter')
        const after = await h.get('/aged')
        expect.soft([afterLonger.cache, callOf(afterLonger)], 'Expires in an hour, ttl 1s').toEqual(['HIT', 1])
        expect.soft(afterShorter.cache, 'Expires 1 s after Date, ttl 1h').not.toBe('HIT')
        expect.soft(shorter.seen.n, 'Expires 1 s after Date, ttl 1h: the handler ran again').toBe(2)
        expect.soft([before.cache, after.cache], 'max-age=600').toEqual(['HIT', 'HIT'])
        expect.soft(before.headers['age']).toEqual(expect.stringMatching(/^\d+$/))
        expect.soft(after.headers['age']).toEqual(expect.stringMatching(/^\d+$/))
        expect.soft(Number(after.headers['age']) - Number(before.headers['age']), 'a hit\'s Age grows with time').toBeGreaterThanOrEqual(1)
      })
    })

    // Issue 18's target for default options: whatever else changes, none of these is ever a HIT.
    describe('a response that declares itself stale is never served as a hit, with default options', () => {
      it.each([
        ['max-age=0', () => ({ 'cache-control': 'max-age=0' })],
        ['max-age=0 with an Expires an hour ahead (max-age wins over Expires)', () => ({ 'cache-control': 'max-age=0', expires: inAnHour(), date: httpDate(Date.now()) })],
        ['max-age=3600, s-maxage=0 (a shared cache reads s-maxage first)', () => ({ 'cache-control': 'max-age=3600, s-maxage=0' })],
        ['max-age=60 with Age: 60 (Age equal to the lifetime)', () => ({ 'cache-control': 'max-age=60', age: '60' })],
        ['max-age=60 with Age: 120', () => ({ 'cache-control': 'max-age=60', age: '120' })],
        ['max-age=3600 with Age: 2147483648', () => ({ 'cache-control': 'max-age=3600', age: '2147483648' })],
        ['max-age=3600 with Age: 7200, 0 (the first value counts)', () => ({ 'cache-control': 'max-age=3600', age: '7200, 0' })],
        ['max-age=3600 with two lines Age: 7200 and Age: 0', () => ({ 'cache-control': 'max-age=3600', age: ['7200', '0'] })],
        ['Expires 60 s after Date, with Age: 120', () => ({ date: httpDate(Date.now()), expires: httpDate(Date.now() + 60_000), age: '120' })],
        ['a negative max-age (-1)', () => ({ 'cache-control': 'max-age=-1' })],
        ['a single-quoted max-age (\'3600\'), which is invalid', () => ({ 'cache-control': "max-age='3600'" })],
        ['max-age=3600 only inside a quoted extension, before max-age=0', () => ({ 'cache-control': 'extension="max-age=3600", max-age=0' })],
        ['max-age=3600 only inside a quoted extension, after max-age=0', () => ({ 'cache-control': 'max-age=0, extension="max-age=3600"' })],
        ['an Expires in the past, with an ETag', () => ({ expires: httpDate(Date.now() - 60_000), etag: '"v1"' })],
        ['an invalid Expires (0), with an ETag', () => ({ expires: '0', etag: '"v1"' })],
        ['an Expires in UTC rather than GMT', () => ({ expires: 'Thu, 18 Aug 2050 02:01:18 UTC' })],
        ['an Expires with a two-digit year', () => ({ expires: 'Thu, 18 Aug 50 02:01:18 GMT' })],
        ['two Expires lines', () => ({ expires: ['Thu, 18 Aug 2050 02:01:18 GMT', 'Thu, 18 Aug 2050 02:01:19 GMT'] })],
      ])('%s', async (_name, headers) => {
        const { route, seen } = always(headers)
        const h = await start([route])
        await neverHit(h, seen)
      })
    })

    describe('requireFreshness: only responses with explicit freshness are stored', () => {
      it('a response that states no freshness is not stored: every request runs the handler', async () => {
        const { route, seen } = always(() => ({ 'content-language': 'en' }))
        const h = await start([route], { requireFreshness: true })
        expect((await h.get('/r')).cache).toBe('MISS')
        expect((await h.get('/r')).cache).toBe('MISS')
        expect(seen.n).toBe(2)
      })

      it('without it, the same response lives the heuristic ttl (cache-aside default)', async () => {
        const { route, seen } = always(() => ({ 'content-language': 'en' }))
        const h = await start([route])
        await hitsOnSecond(h, seen)
      })

      it.each([
        ['max-age', () => ({ 'cache-control': 'max-age=60' })],
        ['s-maxage', () => ({ 'cache-control': 's-maxage=60' })],
        ['a future Expires', () => ({ expires: inAnHour(), date: httpDate(Date.now()) })],
        ['Larder-Cache-Control: max-age', () => ({ 'larder-cache-control': 'max-age=60' })],
      ])('a response with %s is stored', async (_name, headers) => {
        const { route, seen } = always(headers)
        const h = await start([route], { requireFreshness: true })
        await hitsOnSecond(h, seen)
      })

      it('CDN-Cache-Control: max-age counts as freshness where cdnCacheControl is on', async () => {
        const { route, seen } = always(() => ({ 'cdn-cache-control': 'max-age=60' }))
        const h = await start([route], { requireFreshness: true, cdnCacheControl: true })
        await hitsOnSecond(h, seen)
      })

      it('as a route option: one route requires freshness, another under the same cache does not', async () => {
        const strict = resource((): Reply => ({}), { requireFreshness: true }, '/strict')
        const lenient = resource((): Reply => ({}), undefined, '/lenient')
        const h = await start([strict.route, lenient.route])
        await neverHit(h, strict.seen, '/strict', 2)
        await hitsOnSecond(h, lenient.seen, '/lenient')
      })
    })

    describe('a stale entry is revalidated with the handler (RFC 9111 §4.3)', () => {
      it.each([
        ['max-age=0', { 'cache-control': 'max-age=0' }],
        ['max-age=60 with Age: 60', { 'cache-control': 'max-age=60', age: '60' }],
      ])('stale by %s: the handler gets If-None-Match, its 304 refreshes the entry, and the client gets the stored body', async (_name, first) => {
        const { route, seen } = versioned(first)
        const h = await start([route])
        expect((await h.get('/r')).cache).toBe('MISS')
        const revalidated = await h.get('/r')
        expect(seen.ifNoneMatch[1]).toBe('"v1"')
        expect([revalidated.status, revalidated.cache, callOf(revalidated)]).toEqual([200, 'REVALIDATED', 1])
        expect(revalidated.headers['x-version']).toBe('2')
        expect(revalidated.headers['cache-control']).toBe('max-age=3600')
        // The 304's headers and lifetime were stored (§4.3.4): fresh for an hour, with x-version.
        const hit = await h.get('/r')
        expect([hit.status, hit.cache, callOf(hit), hit.headers['x-version']]).toEqual([200, 'HIT', 1, '2'])
        // What describes the stored body is the stored response's, not the bodiless 304's.
        expect(hit.headers['content-type']).toEqual(expect.stringMatching(/^application\/json/))
        expect(seen.n).toBe(2)
      })

      it('a 304 that says nothing of freshness leaves the entry stale: the next request revalidates again', async () => {
        const { route, seen } = resource((call, req): Reply => {
          if (call === 1) return { headers: { 'cache-control': 'max-age=0', etag: '"v1"' } }
          return req.headers['if-none-match'] === '"v1"' ? { status: 304, headers: { etag: '"v1"' } } : { headers: { etag: `"v${call}"` } }
        })
        const h = await start([route])
        await h.get('/r')
        const first = await h.get('/r')
        const second = await h.get('/r')
        expect([first.cache, callOf(first), second.cache, callOf(second)]).toEqual(['REVALIDATED', 1, 'REVALIDATED', 1])
        expect(seen.ifNoneMatch).toEqual([undefined, '"v1"', '"v1"'])
      })

      it('with only Last-Modified, the handler gets If-Modified-Since with the stored date', async () => {
        const lastModified = httpDate(Date.now() - 86_400_000)
        const { route, seen } = resource((call, req): Reply => {
          if (call === 1) return { headers: { 'cache-control': 'max-age=0', 'last-modified': lastModified } }
          if (req.headers['if-modified-since'] === lastModified) return { status: 304, headers: { 'cache-control': 'max-age=3600', 'x-version': '2' } }
          return { headers: { 'cache-control': 'max-age=3600' } }
        })
        const h = await start([route])
        await h.get('/r')
        const revalidated = await h.get('/r')
        expect(seen.ifModifiedSince[1]).toBe(lastModified)
        expect([revalidated.status, revalidated.cache, callOf(revalidated), revalidated.headers['x-version']]).toEqual([200, 'REVALIDATED', 1, '2'])
        expect((await h.get('/r')).cache).toBe('HIT')
      })

      it('a handler that answers 200 replaces the entry', async () => {
        const { route, seen } = resource((call): Reply => ({ headers: { 'cache-control': call === 1 ? 'max-age=0' : 'max-age=3600', etag: `"v${call}"` } }))
        const h = await start([route])
        await h.get('/r')
        const replaced = await h.get('/r')
        expect(seen.ifNoneMatch[1]).toBe('"v1"')
        expect([replaced.status, replaced.cache, callOf(replaced), replaced.headers['etag']]).toEqual([200, 'MISS', 2, '"v2"'])
        const hit = await h.get('/r')
        expect([hit.cache, callOf(hit), hit.headers['etag']]).toEqual(['HIT', 2, '"v2"'])
        expect(seen.n).toBe(2)
      })

      it('a response without a validator is revalidated with the ETag larder generated for it', async () => {
        const { route, seen } = resource((call, req): Reply => {
          if (call === 1) return { headers: { 'cache-control': 'max-age=0' } }
          if (req.headers['if-none-match'] !== undefined) return { status: 304, headers: { 'cache-control': 'max-age=3600' } }
          return { headers: { 'cache-control': 'max-age=3600' } }
        })
        const h = await start([route])
        await h.get('/r')
        const revalidated = await h.get('/r')
        expect(seen.ifNoneMatch[1]).toEqual(expect.stringMatching(/^(W\/)?".+"$/))
        expect([revalidated.status, revalidated.cache, callOf(revalidated)]).toEqual([200, 'REVALIDATED', 1])
        expect(revalidated.headers['etag']).toBe(seen.ifNoneMatch[1])
        expect((await h.get('/r')).cache).toBe('HIT')
        expect(seen.n).toBe(2)
      })

      it('the handler gets the stored validator, not the client\'s own If-None-Match', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=0' })
        const h = await start([route])
        await h.get('/r')
        const res = await h.get('/r', { headers: { 'if-none-match': '"client"' } })
        expect(seen.ifNoneMatch[1]).toBe('"v1"')
        expect([res.status, res.cache, callOf(res)]).toEqual([200, 'REVALIDATED', 1])
      })

      it('a client whose If-None-Match matches the refreshed entry gets 304', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=0' })
        const h = await start([route])
        await h.get('/r')
        const res = await h.get('/r', { headers: { 'if-none-match': '"v1"' } })
        expect(seen.ifNoneMatch[1]).toBe('"v1"')
        expect([res.status, res.text]).toEqual([304, ''])
        expect(res.headers['etag']).toBe('"v1"')
        expect((await h.get('/r')).cache).toBe('HIT')
        expect(seen.n).toBe(2)
      })

      it('single flight: 5 concurrent requests on a stale entry run one revalidation, and all get the body', async () => {
        const held = gate()
        const { route, seen } = versioned({ 'cache-control': 'max-age=0' })
        const revalidating: RouteSpec = {
          ...route,
          // Only the first revalidation is held: its number is read before anything else can run.
          handler: async (req) => {
            const reply = route.handler(req)
            if (seen.n === 2) await held.wait()
            return reply
          },
        }
        const h = await start([revalidating])
        await h.get('/r')
        const all = Promise.all(Array.from({ length: 5 }, () => h.get('/r')))
        await until(() => seen.n >= 2)
        // The others arrive while the revalidation is held (or, without single flight, run their own).
        await until(() => seen.n > 2 || h.cache.stats().coalesced >= 4, 300)
        held.release()
        const responses = await all
        expect(seen.n).toBe(2)
        expect(responses.map((r) => [r.status, callOf(r)])).toEqual(Array.from({ length: 5 }, () => [200, 1]))
      })

      it('a stale entry is kept for keepStale (default 10m) past its freshness, then dropped', async () => {
        const kept = versioned({ 'cache-control': 'max-age=1' })
        const dropped = versioned({ 'cache-control': 'max-age=0' }, { keepStale: '1s' })
        const h = await start([
          { ...kept.route, path: '/kept' },
          { ...dropped.route, path: '/dropped' },
        ])
        await h.get('/kept')
        await h.get('/dropped')
        await sleep(1100)
        const revalidated = await h.get('/kept')
        const refilled = await h.get('/dropped')
        expect.soft(kept.seen.ifNoneMatch[1], 'max-age=1, default keepStale: stale after 1.1 s, and still there').toBe('"v1"')
        expect.soft([revalidated.cache, callOf(revalidated)]).toEqual(['REVALIDATED', 1])
        expect.soft(dropped.seen.ifNoneMatch[1], 'max-age=0, keepStale 1s: gone after 1.1 s').toBeUndefined()
        expect.soft([refilled.cache, callOf(refilled)]).toEqual(['MISS', 2])
      })

      it('keepStale: false drops a stale entry: the handler gets no conditional request', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=60', age: '60', 'last-modified': httpDate(Date.now() - 86_400_000) })
        const h = await start([route], { keepStale: false })
        await h.get('/r')
        const res = await h.get('/r')
        expect([seen.ifNoneMatch[1], seen.ifModifiedSince[1]]).toEqual([undefined, undefined])
        expect([res.status, res.cache, callOf(res)]).toEqual([200, 'MISS', 2])
      })

      it('a handler\'s 304 to a client\'s own conditional request outside a revalidation passes through, and is not stored', async () => {
        const { route, seen } = resource((_call, req): Reply =>
          req.headers['if-none-match'] === '"mine"' ? { status: 304, headers: { etag: '"mine"' } } : { headers: { 'cache-control': 'max-age=3600', etag: '"mine"' } },
          { clientCacheControl: true },
        )
        const off = resource((): Reply => ({ status: 304, headers: { etag: '"mine"' } }), false, '/off')
        const h = await start([route, off.route])
        const uncached = await h.get('/off', { headers: { 'if-none-match': '"mine"' } })
        expect([uncached.status, uncached.text, off.seen.ifNoneMatch]).toEqual([304, '', ['"mine"']])
        const head = await h.get('/r', { method: 'HEAD', headers: { 'if-none-match': '"mine"' } })
        expect(head.status).toBe(304)
        const bypassed = await h.get('/r', { headers: { 'if-none-match': '"mine"', 'cache-control': 'no-store' } })
        expect([bypassed.status, bypassed.cache, bypassed.text]).toEqual([304, 'BYPASS', ''])
        expect(seen.ifNoneMatch).toEqual(['"mine"', '"mine"'])
        const plain = await h.get('/r')
        expect([plain.status, plain.cache, callOf(plain)]).toEqual([200, 'MISS', 3])
      })

      it('a successful PUT removes the stale entry: the next GET\'s handler gets no conditional request', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=0', 'last-modified': httpDate(Date.now() - 86_400_000) })
        const h = await start([route, { method: 'PUT', path: '/r', handler: () => ({ body: { json: { updated: true } } }) }])
        await h.get('/r')
        expect((await h.get('/r', { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(200)
        const res = await h.get('/r')
        expect([seen.ifNoneMatch[1], seen.ifModifiedSince[1]]).toEqual([undefined, undefined])
        expect([res.cache, callOf(res)]).toEqual(['MISS', 2])
      })
    })

    describe('request directives (RFC 9111 §5.2.1) where clientCacheControl is on', () => {
      const honours = { clientCacheControl: true }
      const ask = (h: Harness, cacheControl: string) => h.get('/r', { headers: { 'cache-control': cacheControl } })

      it('max-age=N: an entry older than N is revalidated; one younger is a hit', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=3600', age: '100' }, honours)
        const h = await start([route])
        await h.get('/r')
        const young = await ask(h, 'max-age=500')
        expect([young.cache, seen.n]).toEqual(['HIT', 1])
        const old = await ask(h, 'max-age=50')
        expect(seen.n).toBe(2)
        expect(seen.ifNoneMatch[1]).toBe('"v1"')
        expect([old.status, old.cache, callOf(old)]).toEqual([200, 'REVALIDATED', 1])
      })

      it('min-fresh=N: an entry with less than N seconds of freshness left is not used', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=3600', age: '3500' }, honours)
        const h = await start([route])
        await h.get('/r')
        expect((await ask(h, 'min-fresh=50')).cache).toBe('HIT')
        expect(seen.n).toBe(1)
        const res = await ask(h, 'min-fresh=200')
        expect(res.cache).not.toBe('HIT')
        expect([res.status, seen.n]).toEqual([200, 2])
      })

      it('max-stale serves a stale entry without the handler (STALE); max-stale=N only within N seconds past its freshness', async () => {
        // Stale by 60 s on arrival.
        const { route, seen } = versioned({ 'cache-control': 'max-age=60', age: '120' }, honours)
        const h = await start([route])
        await h.get('/r')
        const anyAge = await ask(h, 'max-stale')
        expect([anyAge.status, anyAge.cache, callOf(anyAge)]).toEqual([200, 'STALE', 1])
        const within = await ask(h, 'max-stale=600')
        expect([within.status, within.cache, callOf(within)]).toEqual([200, 'STALE', 1])
        expect(seen.n).toBe(1)
        const beyond = await ask(h, 'max-stale=30')
        expect(beyond.cache).not.toBe('STALE')
        expect(seen.n).toBe(2)
      })

      // max-stale does not reach a stored response that must be revalidated once stale (§5.2.2.2,
      // §5.2.2.8, §5.2.2.4, §5.2.2.10), and no-cache makes even a fresh entry go to the handler.
      it.each([
        ['max-stale', 'a stale response with must-revalidate', { 'cache-control': 'max-age=60, must-revalidate', age: '120' }, 'STALE'],
        ['max-stale', 'a stale response with proxy-revalidate', { 'cache-control': 'max-age=60, proxy-revalidate', age: '120' }, 'STALE'],
        ['max-stale', 'a stale response with s-maxage', { 'cache-control': 's-maxage=60', age: '120' }, 'STALE'],
        ['max-stale', 'a response with no-cache', { 'cache-control': 'no-cache' }, 'STALE'],
        ['no-cache', 'a fresh entry', { 'cache-control': 'max-age=3600' }, 'HIT'],
      ])('request %s is not answered from %s: the handler runs', async (directive, _what, first, forbidden) => {
        const { route, seen } = versioned(first, honours)
        const h = await start([route])
        await h.get('/r')
        const res = await ask(h, directive)
        expect(res.cache).not.toBe(forbidden)
        expect([res.status, seen.n]).toEqual([200, 2])
      })

      it('only-if-cached: 504 without the handler when nothing fresh is stored, a hit when it is', async () => {
        const fresh = versioned({ 'cache-control': 'max-age=3600' }, honours)
        const stale = versioned({ 'cache-control': 'max-age=0' }, honours)
        const h = await start([fresh.route, { ...stale.route, path: '/stale' }])
        const empty = await ask(h, 'only-if-cached')
        expect([empty.status, fresh.seen.n]).toEqual([504, 0])
        await h.get('/r')
        const hit = await ask(h, 'only-if-cached')
        expect([hit.status, hit.cache, callOf(hit), fresh.seen.n]).toEqual([200, 'HIT', 1, 1])
        await h.get('/stale')
        const staleOnly = await h.get('/stale', { headers: { 'cache-control': 'only-if-cached' } })
        expect([staleOnly.status, stale.seen.n]).toEqual([504, 1])
      })

      it('without clientCacheControl, max-age, min-fresh and only-if-cached are ignored', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=3600', age: '3500' })
        const h = await start([route])
        const uncached = await ask(h, 'only-if-cached')
        expect([uncached.status, callOf(uncached)]).toEqual([200, 1])
        for (const cacheControl of ['max-age=50', 'min-fresh=200', 'only-if-cached']) {
          const res = await ask(h, cacheControl)
          expect([res.cache, callOf(res)], cacheControl).toEqual(['HIT', 1])
        }
        expect(seen.n).toBe(1)
      })

      it('without clientCacheControl, max-stale does not serve a stale entry', async () => {
        const { route, seen } = versioned({ 'cache-control': 'max-age=60', age: '120' })
        const h = await start([route])
        await h.get('/r')
        const res = await ask(h, 'max-stale')
        expect(res.cache).not.toBe('STALE')
        expect(seen.n).toBe(2)
      })
    })

    describe('targeted fields: Larder-Cache-Control always, CDN-Cache-Control with cdnCacheControl (RFC 9213)', () => {
      it('Larder-Cache-Control: max-age=3600 stores a Cache-Control: no-cache response; clients see Cache-Control unchanged and never Larder-Cache-Control', async () => {
        const { route, seen } = always(() => ({ 'larder-cache-control': 'max-age=3600', 'cache-control': 'no-cache' }))
        const h = await start([route])
        const miss = await h.get('/r')
        const hit = await h.get('/r')
        expect([miss.cache, hit.cache, callOf(hit), seen.n]).toEqual(['MISS', 'HIT', 1, 1])
        for (const res of [miss, hit]) {
          expect(res.headers['cache-control']).toBe('no-cache')
          expect(res.headers['larder-cache-control']).toBeUndefined()
        }
      })

      it('Larder-Cache-Control: max-age=3600 wins over a past Expires', async () => {
        const { route, seen } = always(() => ({ 'larder-cache-control': 'max-age=3600', expires: '0' }))
        const h = await start([route])
        await hitsOnSecond(h, seen)
        expect((await h.get('/r')).headers['expires']).toBe('0')
      })

      const cdn = { cdnCacheControl: true }
      // A targeted field decides alone where it is valid (a stricter lifetime, an Age past it, private,
      // no-cache); where it is not a valid Structured Field dictionary (RFC 9213 §2.1: `&&&&&`, or a
      // quoted max-age, which Cache-Control allows but a targeted field does not), it is ignored and
      // Cache-Control decides (no-store in those rows).
      it.each([
        ['Larder-Cache-Control: no-store over Cache-Control: max-age=60', { 'larder-cache-control': 'no-store', 'cache-control': 'max-age=60' }, undefined],
        ['Larder-Cache-Control: max-age=0 over Cache-Control: max-age=3600', { 'larder-cache-control': 'max-age=0', 'cache-control': 'max-age=3600' }, undefined],
        ['Larder-Cache-Control: max-age=60 with Age: 120', { 'larder-cache-control': 'max-age=60', 'cache-control': 'max-age=3600', age: '120' }, undefined],
        ['an invalid Larder-Cache-Control (max-age=10000, &&&&&) over Cache-Control: no-store', { 'larder-cache-control': 'max-age=10000, &&&&&', 'cache-control': 'no-store' }, undefined],
        ['an invalid Larder-Cache-Control (max-age="10000") over Cache-Control: no-store', { 'larder-cache-control': 'max-age="10000"', 'cache-control': 'no-store' }, undefined],
        ['CDN-Cache-Control: max-age=0 over Cache-Control: max-age=3600', { 'cdn-cache-control': 'max-age=0', 'cache-control': 'max-age=3600' }, cdn],
        ['CDN-Cache-Control: max-age=60 with Age: 120', { 'cdn-cache-control': 'max-age=60', 'cache-control': 'max-age=3600', age: '120' }, cdn],
        ['CDN-Cache-Control: private over Cache-Control: max-age=3600', { 'cdn-cache-control': 'private', 'cache-control': 'max-age=3600' }, cdn],
        ['CDN-Cache-Control: no-cache over Cache-Control: max-age=3600', { 'cdn-cache-control': 'no-cache', 'cache-control': 'max-age=3600' }, cdn],
        ['an invalid CDN-Cache-Control (max-age=10000, &&&&&) over Cache-Control: no-store', { 'cdn-cache-control': 'max-age=10000, &&&&&', 'cache-control': 'no-store' }, cdn],
        ['an invalid CDN-Cache-Control (max-age="10000") over Cache-Control: no-store', { 'cdn-cache-control': 'max-age="10000"', 'cache-control': 'no-store' }, cdn],
      ])('%s: never served as a hit; clients get Cache-Control unchanged, never Larder-Cache-Control', async (_name, headers, options) => {
        const { route, seen } = always(() => headers, options)
        const h = await start([route])
        const first = await h.get('/r')
        expect(first.headers['larder-cache-control']).toBeUndefined()
        expect(first.headers['cache-control']).toBe(headers['cache-control'])
        const again = await h.get('/r')
        expect(again.cache).not.toBe('HIT')
        expect(seen.n).toBe(2)
      })

      it('a 304 can refresh an entry through Larder-Cache-Control, which the revalidated response does not carry either', async () => {
        const { route, seen } = resource((call, req): Reply => {
          const headers = { 'cache-control': 'no-cache', etag: '"v1"' }
          if (call === 1) return { headers: { ...headers, 'larder-cache-control': 'max-age=0' } }
          if (req.headers['if-none-match'] === '"v1"') return { status: 304, headers: { ...headers, 'larder-cache-control': 'max-age=3600' } }
          return { headers }
        })
        const h = await start([route])
        await h.get('/r')
        const revalidated = await h.get('/r')
        expect([revalidated.status, revalidated.cache, callOf(revalidated)]).toEqual([200, 'REVALIDATED', 1])
        expect([revalidated.headers['cache-control'], revalidated.headers['larder-cache-control']]).toEqual(['no-cache', undefined])
        const hit = await h.get('/r')
        expect([hit.cache, callOf(hit), hit.headers['larder-cache-control'], seen.n]).toEqual(['HIT', 1, undefined, 2])
      })

      it('CDN-Cache-Control: max-age=3600 over Cache-Control: no-store is stored where cdnCacheControl is on, and reaches the client', async () => {
        const { route, seen } = always(() => ({ 'cdn-cache-control': 'max-age=3600', 'cache-control': 'no-store' }))
        const h = await start([route], { cdnCacheControl: true })
        const miss = await h.get('/r')
        const hit = await h.get('/r')
        expect([miss.cache, hit.cache, callOf(hit), seen.n]).toEqual(['MISS', 'HIT', 1, 1])
        for (const res of [miss, hit]) {
          expect(res.headers['cdn-cache-control']).toBe('max-age=3600')
          expect(res.headers['cache-control']).toBe('no-store')
        }
      })

      it('without cdnCacheControl, CDN-Cache-Control is ignored (Cache-Control: no-store rules) and still reaches the client', async () => {
        const { route, seen } = always(() => ({ 'cdn-cache-control': 'max-age=3600', 'cache-control': 'no-store' }))
        const h = await start([route])
        const first = await h.get('/r')
        const second = await h.get('/r')
        expect([first.cache, second.cache, seen.n]).toEqual(['MISS', 'MISS', 2])
        expect(second.headers['cdn-cache-control']).toBe('max-age=3600')
      })

      it('as a route option: cdnCacheControl on one route only', async () => {
        const cdn = resource((): Reply => ({ headers: { 'cdn-cache-control': 'max-age=3600', 'cache-control': 'no-store' } }), { cdnCacheControl: true }, '/cdn')
        const plain = resource((): Reply => ({ headers: { 'cdn-cache-control': 'max-age=3600', 'cache-control': 'no-store' } }), undefined, '/plain')
        const h = await start([cdn.route, plain.route])
        await hitsOnSecond(h, cdn.seen, '/cdn')
        await neverHit(h, plain.seen, '/plain', 2)
      })

      it.each([
        ['Larder-Cache-Control: no-store over CDN-Cache-Control: max-age=3600', { 'larder-cache-control': 'no-store', 'cdn-cache-control': 'max-age=3600' }, false],
        ['Larder-Cache-Control: max-age=3600 over CDN-Cache-Control: no-store', { 'larder-cache-control': 'max-age=3600', 'cdn-cache-control': 'no-store' }, true],
      ])('%s', async (_name, headers, stored) => {
        const { route, seen } = always(() => headers)
        const h = await start([route], { cdnCacheControl: true })
        if (stored) await hitsOnSecond(h, seen)
        else await neverHit(h, seen, '/r', 2)
        expect((await h.get('/r')).headers['larder-cache-control']).toBeUndefined()
      })
    })
  })
}
