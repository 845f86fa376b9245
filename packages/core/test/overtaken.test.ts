import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type Cache, type RequestInfo, type Store } from '@larder/core'
import { type Fill, type Outcome } from '@larder/core/adapter'

const get = (): RequestInfo => ({ method: 'GET', url: '/k', headers: {}, host: 'example.test', raw: {} })
const isLeader = (o: Outcome): boolean => o.kind === 'miss' && o.fill !== undefined
const fillOf = (o: Outcome): Fill => (o as Extract<Outcome, { kind: 'miss' }>).fill!
const HEADERS = { 'content-type': 'application/json' }

/** Sends a response through a fill the way an adapter does; resolves to whether it was stored. */
function respond(fill: Fill, body: string): Promise<boolean> {
  fill.start(200, HEADERS)
  fill.push(Buffer.from(body))
  return fill.finish(HEADERS)
}

/**
 * A memory store posing as one that other instances also write to (it does not claim `local`),
 * optionally applying invalidations some time after it is asked to, as a remote store may.
 */
function shared(invalidateDelayMs = 0): Store {
  const inner = memoryStore()
  return {
    name: 'shared',
    get: (key) => inner.get(key),
    mark: (key, path) => inner.mark(key, path),
    set: (key, entry, meta) => inner.set(key, entry, meta),
    invalidate: (targets) => (invalidateDelayMs === 0 ? inner.invalidate(targets) : new Promise((resolve) => setTimeout(() => resolve(inner.invalidate(targets)), invalidateDelayMs))),
    clear: () => inner.clear(),
    close: () => inner.close(),
  }
}

async function leaderAndWaiter(cache: Cache): Promise<{ leader: Outcome; waiter: Promise<Outcome> }> {
  const route = cache.route()
  const leader = await cache.handle(get(), route)
  expect(isLeader(leader)).toBe(true)
  return { leader, waiter: Promise.resolve(cache.handle(get(), route)) }
}

// With a store others write to, a write in this process says nothing about the writes elsewhere
// that a waiter may have arrived after: the old miss's response is not theirs to have.
describe('waiters of a miss that writes overtake, with a store other instances share', () => {
  it('look again once, then run their own handler without starting another miss for others to wait on', async () => {
    const cache = createCache({ store: shared() })
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

  // Looking again earlier would start a miss whose mark predates the invalidation, to be refused.
  it('look again only once the store has applied the invalidation, so the new miss is stored', async () => {
    const cache = createCache({ store: shared(50) })
    const { waiter } = await leaderAndWaiter(cache)
    await cache.invalidate({ paths: ['/k'] })
    const again = await waiter
    expect(isLeader(again)).toBe(true)
    expect(await respond(fillOf(again), '{"v":"new"}')).toBe(true)
    expect((await cache.handle(get(), cache.route())).kind).toBe('hit')
  })
})

// The memory store changes only through this process: every waiter of an overtaken miss arrived
// before the write was acknowledged, so the old miss's response is one it may be given, at once,
// rather than after a second origin read.
describe('waiters of a miss that writes overtake, with a memory store only this cache uses', () => {
  it('get the old miss\'s response, which is not stored; the next request misses', async () => {
    const cache = createCache()
    const { leader, waiter } = await leaderAndWaiter(cache)
    await cache.invalidate({ paths: ['/k'] })
    expect(cache.stats().inFlight).toBe(0)
    expect(await respond(fillOf(leader), '{"v":"old"}')).toBe(false)
    const answer = await waiter
    expect(answer.kind).toBe('hit')
    expect((answer as Extract<Outcome, { kind: 'hit' }>).entry.body.toString()).toBe('{"v":"old"}')
    expect(isLeader(await cache.handle(get(), cache.route()))).toBe(true)
    expect(cache.stats()).toMatchObject({ staleFillsRefused: 1, hits: 1, misses: 2 })
  })

  it('a request after the write does not wait on the old miss', async () => {
    const cache = createCache()
    await leaderAndWaiter(cache)
    await cache.invalidate({ paths: ['/k'] })
    expect(isLeader(await cache.handle(get(), cache.route()))).toBe(true)
  })

  it('when a second cache shares the store (its writes overtake nothing here), they look again as with a shared store', async () => {
    const store = memoryStore()
    const cache = createCache({ store })
    createCache({ store })
    const { leader, waiter } = await leaderAndWaiter(cache)
    await cache.invalidate({ paths: ['/k'] })
    expect(await respond(fillOf(leader), '{"v":"old"}')).toBe(false)
    expect(isLeader(await waiter)).toBe(true)
  })

  it('once the second cache closes, the first sees every write again and its waiters get the old miss\'s response', async () => {
    const inner = memoryStore()
    // The store outlives the cache that closes (a memory store closes with either cache).
    const store: Store = {
      name: 'memory',
      local: true,
      get: (key) => inner.get(key),
      mark: (key, path) => inner.mark(key, path),
      set: (key, entry, meta) => inner.set(key, entry, meta),
      invalidate: (targets) => inner.invalidate(targets),
      clear: () => inner.clear(),
      close: () => {},
    }
    const cache = createCache({ store })
    await createCache({ store }).close()
    const { leader, waiter } = await leaderAndWaiter(cache)
    await cache.invalidate({ paths: ['/k'] })
    expect(await respond(fillOf(leader), '{"v":"old"}')).toBe(false)
    const answer = await waiter
    expect(answer.kind).toBe('hit')
    expect((answer as Extract<Outcome, { kind: 'hit' }>).entry.body.toString()).toBe('{"v":"old"}')
  })
})

describe('waiters of a leader that outlasts lockTimeout', () => {
  it('look the key up in the store again, so one that times out after that leader stored gets a hit', async () => {
    const cache = createCache({ lockTimeout: '300ms' })
    const route = cache.route()
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
    const slow = await cache.handle(get(), route)
    // The first waiter times out, finds nothing stored, and leads a new miss that never finishes.
    const early = await cache.handle(get(), route)
    expect(isLeader(early)).toBe(true)
    await wait(50)
    // This one waits on that new miss; meanwhile the slow leader stores its response.
    const late = Promise.resolve(cache.handle(get(), route))
    await wait(50)
    expect(await respond(fillOf(slow), '{"v":"slow"}')).toBe(true)
    const answer = await late
    expect(answer.kind).toBe('hit')
    expect((answer as Extract<Outcome, { kind: 'hit' }>).entry.body.toString()).toBe('{"v":"slow"}')
  })
})
