import { describe, expect, it } from 'vitest'
import { createCache, LarderOptionError, memoryStore } from '@larder/core'

function errorOf(fn: () => unknown): LarderOptionError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(LarderOptionError)
    return e as LarderOptionError
  }
  throw new Error('expected an error')
}

describe('option validation at setup', () => {
  it.each([
    [{ tll: '5m' }, 'tll', /valid options are ttl/],
    [{ ttl: '5 minutes' }, 'ttl', /'5m'/],
    [{ statuses: [200, 'x'] }, 'statuses', /statuses: \[200, 404\]/],
    [{ maxBodyBytes: -1 }, 'maxBodyBytes', /1048576/],
    [{ tags: 'user' }, 'tags', /req\.params\.id/],
    [{ key: { query: 'sorted' } }, 'key.query', /deny: \['utm_\*'\]/],
    [{ key: { headers: 'accept-language' } }, 'key.headers', /\['accept-language'\]/],
    [{ key: { vary: [] } }, 'key.vary', /valid ones are query, headers, host, custom/],
    [{ namespace: 'has space' }, 'namespace', /api-v1/],
    [{ store: {} }, 'store', /memoryStore\(\)/],
    [{ lockTimeout: 0 }, 'lockTimeout', /'5m'/],
    [{ breaker: { failures: 0 } }, 'breaker.failures', /failures: 5/],
    [{ statusHeader: 'x cache' }, 'statusHeader', /'x-cache'/],
    [{ reasonHeader: 'why?' }, 'reasonHeader', /'x-cache-reason'/],
    [{ reasonHeader: true }, 'reasonHeader', /got true/],
    [{ tagHeader: 'cache tags' }, 'tagHeader', /'x-cache-tags'/],
    [{ keepStale: 'soon' }, 'keepStale', /'5m'/],
    [{ keepStale: true }, 'keepStale', /keepStale: '10m'/],
    [{ requireFreshness: 'yes' }, 'requireFreshness', /requireFreshness: true/],
    [{ cdnCacheControl: 1 }, 'cdnCacheControl', /cdnCacheControl: true/],
  ])('%j names %s and shows a valid example', (options, option, example) => {
    const e = errorOf(() => createCache(options as never))
    expect(e.option).toBe(option)
    expect(e.message).toContain(`"${option}"`)
    expect(e.message).toMatch(example)
  })

  it('names the route in route-level errors', () => {
    const cache = createCache()
    const e = errorOf(() => cache.route({ ttl: 'soon' }, 'route GET /users/:id'))
    expect(e.message).toContain('route GET /users/:id')
    expect(e.message).toContain('"ttl"')
  })

  it('rejects bad memoryStore options by name', () => {
    expect(errorOf(() => memoryStore({ maxBytes: 10 })).option).toBe('maxBytes')
    expect(errorOf(() => memoryStore({ maxEntries: 0 })).option).toBe('maxEntries')
    expect(errorOf(() => memoryStore({ max: 1 } as never)).message).toContain('maxBytes, maxEntries')
  })

  it('resolves defaults once into the config', () => {
    const cache = createCache()
    expect(cache.config).toMatchObject({ namespace: 'larder', maxKeyLength: 512, lockTimeoutMs: 5000, storeTimeoutMs: 100, statusHeader: 'x-cache' })
    const route = cache.route()
    expect(route.ttlMs).toBe(300_000)
    expect([...route.statuses]).toEqual([200])
    expect(route.maxBodyBytes).toBe(1024 * 1024)
    expect(cache.route({ ttl: '1h' }).ttlMs).toBe(3_600_000)
    // Route options override one field and keep the rest.
    expect(cache.route({ ttl: '1h' }).maxBodyBytes).toBe(1024 * 1024)
  })

  it('shows the offending value itself, and strings quoted', () => {
    expect(errorOf(() => createCache({ statuses: [999] } as never)).message).toContain('got [999]')
    expect(errorOf(() => createCache({ statuses: [200, 'x'] } as never)).message).toContain('got [200, "x"]')
    expect(errorOf(() => createCache({ statuses: [1, 2, 3, 4, 5, 6, 7] } as never)).message).toContain('got [1, 2, 3, 4, 5, … 2 more]')
    expect(errorOf(() => createCache({ respectCacheControl: 'false' } as never)).message).toContain('got "false"')
    expect(errorOf(() => createCache({ key: 'url' } as never)).message).toContain('got "url"')
  })

  it('separates the route from the message when route options are not an object', () => {
    const e = errorOf(() => createCache().route('yes' as never, 'larder()'))
    expect(e.message).toBe('larder: larder(): route options must be an object such as { ttl: \'1h\' }, true or false; got "yes"')
  })
})
