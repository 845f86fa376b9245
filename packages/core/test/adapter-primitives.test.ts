import { describe, expect, it } from 'vitest'
import { createCache, type RequestInfo } from '@larder/core'

function request(method: string, headers: RequestInfo['headers'] = {}): RequestInfo {
  return { method, url: '/doc', headers, host: 'example.test', raw: {} }
}

// The primitives an adapter uses when one request meets several larders (Express's takeover,
// packages/express/src/takeover.ts); its behaviour is tested there, end to end.
describe('primitives for adapters that see a request in several larders', () => {
  it('a withdrawn miss is un-counted and releases its in-flight miss', async () => {
    const cache = createCache()
    const miss = await cache.handle(request('GET'), cache.route())
    expect([miss.kind, cache.stats().misses, cache.stats().inFlight]).toEqual(['miss', 1, 1])
    if (miss.kind !== 'miss') throw new Error('expected a miss')
    miss.withdraw()
    expect(cache.stats()).toMatchObject({ misses: 0, inFlight: 0 })
    await cache.close()
  })

  it('a withdrawn bypass is un-counted', async () => {
    const cache = createCache()
    const bypass = await cache.handle(request('GET', { 'content-length': '5' }), cache.route())
    if (bypass.kind !== 'bypass') throw new Error('expected a bypass')
    expect(cache.stats().bypasses).toBe(1)
    bypass.withdraw()
    expect(cache.stats().bypasses).toBe(0)
    await cache.close()
  })

  it('owns tells which cache reached an outcome', async () => {
    const one = createCache()
    const other = createCache()
    const read = await one.handle(request('GET'), one.route())
    const write = await one.handle(request('PUT'), one.route())
    expect([one.owns(read), other.owns(read), one.owns(write), other.owns(write)]).toEqual([true, false, true, false])
    await Promise.all([one.close(), other.close()])
  })

  it('keyOf is the key a miss is filled under, and undefined when the key function throws', async () => {
    const cache = createCache()
    const route = cache.route()
    const miss = await cache.handle(request('GET'), route)
    expect(miss.kind === 'miss' && miss.fill?.key).toBe(cache.keyOf(request('GET'), route))
    const failing = cache.route({ key: { custom: () => { throw new Error('no tenant') } } })
    expect(cache.keyOf(request('GET'), failing)).toBeUndefined()
    await cache.close()
  })

  it('onClose listeners run once, when the cache closes', async () => {
    const cache = createCache()
    let calls = 0
    cache.onClose(() => calls++)
    expect(calls).toBe(0)
    await cache.close()
    await cache.close()
    expect(calls).toBe(1)
  })
})
