import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache, LarderOptionError, type RequestInfo } from '@larder/core'
import { type ResolvedRoute } from '@larder/core/adapter'

interface Origin {
  host?: string | undefined
  protocol?: string | undefined
  headers?: Record<string, string | undefined>
}

function info(url: string, o: Origin = {}): RequestInfo {
  return { method: 'GET', url, headers: o.headers ?? {}, host: 'host' in o ? o.host : 'a.test', protocol: o.protocol ?? 'http', raw: {} }
}

/** The key as the key function builds it, with no memo in between. */
function fresh(route: ResolvedRoute, req: RequestInfo): string {
  const q = req.url.indexOf('?')
  return route.key(req, q === -1 ? req.url : req.url.slice(0, q), q === -1 ? '' : req.url.slice(q + 1))
}

describe('the origin in the key', () => {
  const route = createCache({ namespace: 'ns' }).route()

  it('keys the scheme the handler sees, http adding nothing', () => {
    expect(route.target(info('/q')).key).toBe('ns:GET:/q|@a.test')
    expect(route.target(info('/q', { protocol: 'https' })).key).toBe('ns:GET:/q|@a.test|s=https')
  })

  it('keys every forwarding header present, marking one the framework already reports as host or scheme', () => {
    const forwarded = { 'x-forwarded-host': 'a.test', 'x-forwarded-proto': 'https', 'x-forwarded-port': '443', 'x-forwarded-prefix': '/app', forwarded: 'proto=https' }
    expect(route.target(info('/q', { protocol: 'https', headers: forwarded })).key).toBe('ns:GET:/q|@a.test|s=https|fh|fp|fport=443|fprefix=/app|fwd=proto=https')
    // Trust proxy off: the framework reports the connection's host and scheme, the headers their own.
    expect(route.target(info('/q', { headers: { 'x-forwarded-host': 'b.test', 'x-forwarded-proto': 'https' } })).key).toBe('ns:GET:/q|@a.test|fh=b.test|fp=https')
    expect(route.target(info('/q', { headers: { forwarded: 'host="x|@y"' } })).key).toBe('ns:GET:/q|@a.test|fwd=host="x%7C@y"')
  })

  it('keys X-Forwarded-Host by whether it is the host, even when the host is not keyed', () => {
    const noHost = createCache({ namespace: 'ns', key: { host: false } }).route()
    const forwarded = { 'x-forwarded-host': 'a.test' }
    expect(noHost.target(info('/q', { host: 'a.test', headers: forwarded })).key).toBe('ns:GET:/q|fh')
    expect(noHost.target(info('/q', { host: 'b.test', headers: forwarded })).key).toBe('ns:GET:/q|fh=a.test')
    expect(noHost.target(info('/q', { host: 'c.test' }))).toBe(noHost.target(info('/q', { host: 'd.test' })))
  })

  it('is remembered per URL only with the same host, scheme and forwarding headers (fuzzed)', () => {
    const routes = [
      createCache({ namespace: 'ns' }).route(),
      createCache({ namespace: 'ns', key: { host: false } }).route(),
      createCache({ namespace: 'ns', key: { host: ['a.test', 'b.test'] } }).route(),
    ]
    const header = fc.constantFrom(undefined, 'a.test', 'b.test', 'https', 'http')
    const request = fc.record({
      url: fc.constantFrom('/a', '/a?x=1', 'http://a.test/a'),
      host: fc.constantFrom('a.test', 'b.test', 'A.TEST', 'c.test:1', undefined),
      protocol: fc.constantFrom('http', 'https', undefined),
      headers: fc.record({ 'x-forwarded-host': header, 'x-forwarded-proto': header, 'x-forwarded-port': fc.constantFrom(undefined, '443'), forwarded: fc.constantFrom(undefined, 'for=1') }),
    })
    fc.assert(
      fc.property(fc.array(request, { maxLength: 30 }), (reqs) => {
        for (const route of routes) {
          for (const r of reqs) {
            const req = { ...info(r.url, r), protocol: r.protocol }
            expect(route.target(req).key).toBe(fresh(route, req))
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('key.host: [hosts] keys the listed hosts, in any case, as one and every other host as itself', () => {
    const shared = createCache({ namespace: 'ns', key: { host: ['a.test', 'b.test:8080'] } }).route()
    const keyOf = (host: string | undefined) => shared.target(info('/q', { host })).key
    expect(keyOf('b.test:8080')).toBe(keyOf('a.test'))
    expect(keyOf('A.Test')).toBe(keyOf('a.test'))
    for (const other of ['b.test', 'a.test:8080', 'evil.test', undefined]) expect(keyOf(other)).not.toBe(keyOf('a.test'))
  })

  it.each([[[]], [['']], ['a.test'], [[1]], [{}]])('key.host: %j is refused at setup, naming the option', (host) => {
    let error: unknown
    try {
      createCache({ key: { host: host as never } })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LarderOptionError)
    expect((error as LarderOptionError).message).toMatch(/"key\.host".*host: \['example\.com', 'www\.example\.com'\]/)
  })
})
