import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache, type RequestInfo } from '@larder/core'
import { type ResolvedRoute } from '@larder/core/adapter'

function info(url: string, opts: { host?: string; lang?: string; tenant?: string } = {}): RequestInfo {
  return { method: 'GET', url, headers: { 'accept-language': opts.lang }, host: opts.host ?? 'a.test', raw: { tenant: opts.tenant } }
}

/** The key as the key function builds it, with no memo in between. */
function fresh(route: ResolvedRoute, req: RequestInfo): string {
  const q = req.url.indexOf('?')
  return route.key(req, q === -1 ? req.url : req.url.slice(0, q), q === -1 ? '' : req.url.slice(q + 1))
}

describe('request targets', () => {
  it('are remembered per URL for keys of the URL and host', () => {
    const route = createCache({ namespace: 'ns' }).route()
    const first = route.target(info('/users/1?b=2&a=1'))
    expect(first.key).toBe('ns:GET:/users/1?a=1&b=2|@a.test')
    expect(route.target(info('/users/1?b=2&a=1'))).toBe(first)
    expect(first.path).toBe('/users/1')
    expect(first.indexPath).toBe('/users/1')
  })

  it('follow the host when the key has it, and ignore it when it does not', () => {
    const byHost = createCache({ namespace: 'ns' }).route()
    expect(byHost.target(info('/q', { host: 'a.test' })).key).toBe('ns:GET:/q|@a.test')
    expect(byHost.target(info('/q', { host: 'b.test' })).key).toBe('ns:GET:/q|@b.test')
    expect(byHost.target(info('/q', { host: 'a.test' })).key).toBe('ns:GET:/q|@a.test')
    const noHost = createCache({ namespace: 'ns', key: { host: false } }).route()
    expect(noHost.target(info('/q', { host: 'a.test' }))).toBe(noHost.target(info('/q', { host: 'b.test' })))
  })

  it('are computed for every request when the key reads headers or the request', () => {
    const byHeader = createCache({ namespace: 'ns', key: { headers: ['accept-language'] } }).route()
    expect(byHeader.target(info('/q', { lang: 'en' })).key).toBe('ns:GET:/q|@a.test|h=en')
    expect(byHeader.target(info('/q', { lang: 'fr' })).key).toBe('ns:GET:/q|@a.test|h=fr')
    const custom = createCache({ namespace: 'ns', key: { custom: (req: any) => req.tenant } }).route()
    expect(custom.target(info('/q', { tenant: 't1' })).key).toBe('ns:GET:/q|@a.test|k=t1')
    expect(custom.target(info('/q', { tenant: 't2' })).key).toBe('ns:GET:/q|@a.test|k=t2')
    // A route with its own key options has its own memo, not the cache's.
    const cache = createCache({ namespace: 'ns' })
    const plain = cache.route()
    const langRoute = cache.route({ key: { headers: ['accept-language'] } })
    plain.target(info('/q'))
    expect(langRoute.target(info('/q', { lang: 'de' })).key).toBe('ns:GET:/q|@a.test|h=de')
  })

  it('keep a bounded number of URLs, oldest out first', () => {
    const route = createCache({ namespace: 'ns' }).route()
    const oldest = route.target(info('/u/0'))
    const newest = () => route.target(info('/u/1000'))
    for (let i = 1; i < 1000; i++) route.target(info(`/u/${i}`))
    expect(route.target(info('/u/0'))).toBe(oldest)
    const last = newest()
    // 1,001 URLs seen: /u/0 made room for /u/1000.
    const again = route.target(info('/u/0'))
    expect(again).not.toBe(oldest)
    expect(again.key).toBe(oldest.key)
    expect(newest()).toBe(last)
  })

  it('do not remember very long URLs', () => {
    const route = createCache({ namespace: 'ns' }).route()
    const url = '/q?x=' + 'y'.repeat(600)
    const a = route.target(info(url))
    const b = route.target(info(url))
    expect(a).not.toBe(b)
    expect(a.key).toBe(b.key)
  })

  it('give the key function’s key for any sequence of requests (fuzzed)', () => {
    const routes = [
      createCache({ namespace: 'ns' }).route(),
      createCache({ namespace: 'ns', key: { host: false, query: { allow: ['a'] } } }).route(),
      createCache({ namespace: 'ns', key: { headers: ['accept-language'] } }).route(),
    ]
    const request = fc.record({
      url: fc.tuple(fc.constantFrom('/a', '/b', '/a/b', '/%41', '/a#x'), fc.constantFrom('', '?a=1', '?b=2&a=1', '?a=%31', '?a=%FE', '?a[]=1&a=2', '?x=1#y')).map(([p, q]) => p + q),
      host: fc.constantFrom('a.test', 'b.test', ''),
      lang: fc.constantFrom('en', 'fr', undefined),
    })
    fc.assert(
      fc.property(fc.array(request, { maxLength: 30 }), (reqs) => {
        for (const route of routes) {
          for (const r of reqs) {
            const req = info(r.url, r)
            expect(route.target(req).key).toBe(fresh(route, req))
          }
        }
      }),
      { numRuns: 300 },
    )
  })
})
