import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Outcome, type RequestInfo, type Store } from '@larder/core'

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

// A store that applies an invalidation some time after it is asked to (a remote store, a slow
// network): the waiters of an overtaken miss must not look again before it has, or the miss they
// start takes its mark before the invalidation and is refused.
function lateInvalidating(delayMs: number): Store {
  const inner = memoryStore()
  return {
    name: 'late',
    get: (key) => inner.get(key),
    mark: (key, path) => inner.mark(key, path),
    set: (key, entry, meta) => inner.set(key, entry, meta),
    invalidate: (targets) => new Promise((resolve) => setTimeout(() => resolve(inner.invalidate(targets)), delayMs)),
    clear: () => inner.clear(),
    close: () => inner.close(),
  }
}

describe('an overtaken miss and a store that applies invalidations late', () => {
  it('its waiters look again only once the store has applied the invalidation, so the new miss is stored', async () => {
    const cache = createCache({ store: lateInvalidating(50) })
    const route = cache.route()
    const first = await cache.handle(get(), route)
    expect(isLeader(first)).toBe(true)
    const waiter = cache.handle(get(), route)
    await cache.invalidate({ paths: ['/k'] })
    const again = await waiter
    expect(isLeader(again)).toBe(true)
    const fill = (again as Extract<Outcome, { kind: 'miss' }>).fill!
    const headers = { 'content-type': 'application/json' }
    fill.start(200, headers)
    fill.push(Buffer.from('{"v":"new"}'))
    expect(await fill.finish(headers)).toBe(true)
    expect((await cache.handle(get(), route)).kind).toBe('hit')
  })
})
