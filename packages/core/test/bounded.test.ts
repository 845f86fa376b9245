import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Cache, type RequestInfo } from '@larder/core'

function get(url: string): RequestInfo {
  return { method: 'GET', url, headers: {}, host: 'example.test', raw: {} }
}

/** Drives one request through the engine the way an adapter does, with a 1 KB JSON response. */
async function serve(cache: Cache, url: string): Promise<string> {
  const route = cache.route()
  const outcome = await cache.handle(get(url), route)
  if (outcome.kind === 'miss' && outcome.fill) {
    const headers = { 'content-type': 'application/json' }
    outcome.fill.start(200, headers)
    outcome.fill.push(Buffer.alloc(1024, 120))
    await outcome.fill.finish(headers)
  }
  return outcome.kind
}

describe('bounded resources', () => {
  it('100k distinct random query strings keep the store within its bounds, empty the in-flight map, and leave a hot key cached', async () => {
    const store = memoryStore({ maxBytes: 4 * 1024 * 1024, maxEntries: 2000, maxVariantsPerPath: 500 })
    const cache = createCache({ store })
    expect(await serve(cache, '/hot')).toBe('miss')
    for (let i = 0; i < 100_000; i++) {
      await serve(cache, `/search?q=${randomBytes(6).toString('hex')}`)
      if (i % 50 === 0) expect(await serve(cache, '/hot')).toBe('hit')
      expect(store.stats().bytes).toBeLessThanOrEqual(4 * 1024 * 1024)
    }
    const stats = cache.stats()
    expect(stats.store!.entries).toBeLessThanOrEqual(501)
    expect(stats.inFlight).toBe(0)
    expect(await serve(cache, '/hot')).toBe('hit')
    await cache.close()
  })

  it('a 10 KB query string yields a key of bounded length', () => {
    const cache = createCache()
    const route = cache.route()
    const query = 'q=' + 'x'.repeat(10 * 1024)
    const key = route.key(get('/search?' + query), '/search', query)
    expect(key.length).toBeLessThanOrEqual(cache.config.maxKeyLength)
    void cache.close()
  })
})
