import { describe, expect, it } from 'vitest'
import { createCache, memoryStore, type RequestInfo, type Store } from '@larder/core'
import { type CacheEntry, type Outcome } from '@larder/core/adapter'

const get = (method = 'GET'): RequestInfo => ({ method, url: '/live', headers: {}, host: 'example.test', raw: {} })

/** A memory store behind promises, like a remote one, that records the calls made to it and answers lookups only when told. */
function remoteLike(): Store & { calls: string[]; answerLookups(): void } {
  const inner = memoryStore()
  const pending: Array<() => void> = []
  return {
    name: 'remote-like',
    calls: [],
    answerLookups() {
      for (const answer of pending.splice(0)) answer()
    },
    get(key) {
      this.calls.push('get')
      return new Promise<CacheEntry | undefined>((resolve) => pending.push(() => resolve(inner.get(key))))
    },
    async mark(key, path) {
      this.calls.push('mark')
      return inner.mark(key, path)
    },
    async set(key, entry, meta) {
      this.calls.push('set')
      return inner.set(key, entry, meta)
    },
    async invalidate(targets) {
      return inner.invalidate(targets)
    },
    clear: () => inner.clear(),
    close: () => inner.close(),
  }
}

/** Answers one request uncacheable, then starts a second one and hands back its outcome, unsettled. */
async function missNoStore(store: ReturnType<typeof remoteLike>): Promise<{ pending: Promise<Outcome> }> {
  const cache = createCache({ store })
  const route = cache.route()
  const first = cache.handle(get(), route)
  store.answerLookups()
  const outcome = await first
  const fill = (outcome as Extract<Outcome, { kind: 'miss' }>).fill!
  fill.start(200, { 'cache-control': 'no-store' })
  await fill.finish({ 'cache-control': 'no-store' })
  store.calls.length = 0
  return { pending: Promise.resolve(cache.handle(get(), route)) }
}

// A key that answered uncacheable will most likely miss again. Asking for the lookup and then, on
// the miss, for the mark costs a remote store two round trips in a row before the handler runs.
describe('a lookup for a key whose responses could not be shared', () => {
  it('asks the store for its mark together with the lookup, and not again on the miss', async () => {
    const store = remoteLike()
    const { pending } = await missNoStore(store)
    expect(store.calls).toEqual(['get', 'mark'])
    store.answerLookups()
    const outcome = await pending
    expect(outcome.kind === 'miss' && outcome.fill !== undefined).toBe(true)
    expect(store.calls).toEqual(['get', 'mark'])
  })

  it('a key not known to be uncacheable is marked only once the lookup has missed', async () => {
    const store = remoteLike()
    const cache = createCache({ store })
    const pending = cache.handle(get(), cache.route())
    expect(store.calls).toEqual(['get'])
    store.answerLookups()
    await pending
    expect(store.calls).toEqual(['get', 'mark'])
  })
})
