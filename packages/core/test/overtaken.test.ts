import { describe, expect, it } from 'vitest'
import { createCache, type Outcome, type RequestInfo } from '@larder/core'

const get = (): RequestInfo => ({ method: 'GET', url: '/k', headers: {}, host: 'example.test', raw: {} })
const isLeader = (o: Outcome): boolean => o.kind === 'miss' && o.fill !== undefined

// A waiter whose miss a write overtook looks the key up again, once: a key written again and
// again must not keep it waiting on one new miss after another.
describe('waiters of a miss that writes overtake', () => {
  it('look again once, then run their own handler without starting another miss for others to wait on', async () => {
    const cache = createCache()
    const route = cache.route()
    const first = await cache.handle(get(), route)
    expect(isLeader(first)).toBe(true)
    const a = cache.handle(get(), route)
    const b = cache.handle(get(), route)
    await cache.invalidate({ paths: ['/k'] })
    // a leads the new miss; b waits on it.
    expect(isLeader(await a)).toBe(true)
    expect(cache.stats().inFlight).toBe(1)
    await cache.invalidate({ paths: ['/k'] })
    expect(isLeader(await b)).toBe(true)
    expect(cache.stats()).toMatchObject({ inFlight: 0, coalesced: 2, misses: 3 })
  })
})
