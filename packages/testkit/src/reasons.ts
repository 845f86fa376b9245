import { describe, expect, it } from 'vitest'
import type { AppFactory, Reply, RouteSpec } from './apps.js'
import { useHarness } from './harness.js'
import type { RequestOptions } from './http.js'
import type { StoreFactory } from './store-wrappers.js'

const REASON = 'x-cache-reason'

/**
 * With `reasonHeader`, every BYPASS and every MISS whose response is not stored says why, in a
 * short machine-readable word (the README's "Why am I always getting MISS?" lists them); a stored
 * miss and a hit say nothing.
 */
export function reasonsSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`reason header: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)
    const route = (reply: Reply, options?: RouteSpec['options']): RouteSpec[] => [
      { method: 'GET', path: '/r', options, handler: () => ({ body: { json: { ok: true } }, ...reply }) },
    ]

    it.each<[string, Reply, RequestOptions | undefined, RouteSpec['options'] | undefined, string, string]>([
      ['a request carrying a cookie, answered without public', {}, { headers: { cookie: 'sid=1' } }, undefined, 'MISS', 'credentials'],
      ['a response with Set-Cookie', { headers: { 'set-cookie': 'sid=1' } }, undefined, undefined, 'MISS', 'set-cookie'],
      ['Cache-Control: private', { headers: { 'cache-control': 'private' } }, undefined, undefined, 'MISS', 'private'],
      ['Cache-Control: no-store', { headers: { 'cache-control': 'no-store' } }, undefined, undefined, 'MISS', 'no-store'],
      // Stored stale, so the second request revalidates: Express answers the validator larder sends
      // with its own 304 (same body, same ETag), which serves the entry as REVALIDATED.
      ['Cache-Control: no-cache', { headers: { 'cache-control': 'no-cache' } }, undefined, undefined, 'MISS|REVALIDATED', 'no-cache'],
      ['max-age=0', { headers: { 'cache-control': 'max-age=0' } }, undefined, undefined, 'MISS|REVALIDATED', 'max-age=0'],
      ['an Expires in the past', { headers: { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' } }, undefined, undefined, 'MISS|REVALIDATED', 'expired'],
      ['an Age past the lifetime', { headers: { 'cache-control': 'max-age=60', age: '60' } }, undefined, undefined, 'MISS|REVALIDATED', 'stale'],
      ['no stated lifetime, with requireFreshness', {}, undefined, { requireFreshness: true }, 'MISS', 'no-freshness'],
      ['a status not in statuses', { status: 404 }, undefined, undefined, 'MISS', 'status'],
      ['Vary: *', { headers: { vary: '*' } }, undefined, undefined, 'MISS', 'vary'],
      ['a body over maxBodyBytes', { body: { text: 'x'.repeat(2048) } }, undefined, { maxBodyBytes: 1024 }, 'MISS', 'too-large'],
      ['an override header', {}, { headers: { 'x-http-method-override': 'DELETE' } }, undefined, 'BYPASS', 'method-override'],
      ['an unkeyed rewrite header', {}, { headers: { 'x-original-url': '/admin' } }, undefined, 'BYPASS', 'override-header'],
      ['a route opted out', {}, undefined, false, 'BYPASS', 'disabled'],
      ['a client that asks not to store, on a route honouring it', {}, { headers: { 'cache-control': 'no-store' } }, { clientCacheControl: true }, 'BYPASS', 'client-no-store'],
    ])('%s', async (_name, reply, request, options, cache, reason) => {
      const h = await start(route(reply, options), { reasonHeader: REASON })
      for (let i = 0; i < 2; i++) {
        const res = await h.get('/r', request)
        const labels = cache.split('|')
        if (i === 0) expect(res.cache).toBe(labels[0])
        else expect(labels).toContain(res.cache)
        expect(res.headers[REASON]).toBe(reason)
      }
    })

    it('a stored miss and its hits carry no reason, and the reason is not stored', async () => {
      const h = await start(route({}), { reasonHeader: REASON })
      const miss = await h.get('/r')
      expect([miss.cache, miss.headers[REASON]]).toEqual(['MISS', undefined])
      const hit = await h.get('/r')
      expect([hit.cache, hit.headers[REASON]]).toEqual(['HIT', undefined])
    })

    it('a HEAD miss says why it is not stored', async () => {
      const h = await start(route({}), { reasonHeader: REASON })
      const res = await h.get('/r', { method: 'HEAD' })
      expect([res.cache, res.headers[REASON]]).toEqual(['MISS', 'head'])
    })

    it('is off by default', async () => {
      const h = await start(route({ headers: { 'cache-control': 'no-store' } }))
      expect((await h.get('/r')).headers[REASON]).toBeUndefined()
    })
  })
}
