import { randomBytes } from 'node:crypto'
import type { CacheEntry, EntryMeta, Store } from '@larder/core/store'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveOptions, type StoreContractOptions } from './options.js'

/**
 * The Store contract (see `Store` in @larder/core), as one suite every store runs: round trips are
 * binary-exact, entries expire, invalidation by key, path (all variants) and tag removes exactly
 * what it names and answers how many, the fill-race check refuses a fill invalidated after its
 * mark, and clear() removes everything and refuses earlier marks. `makeStore` is called once per
 * test and must answer an empty store; the suite closes it after the test.
 */
export function describeStoreContract(name: string, makeStore: () => Store | Promise<Store>, options?: StoreContractOptions): void {
  // Checked here, while vitest collects the file, so a mistake fails the file instead of one test.
  const { expiry } = resolveOptions(options)
  describe(`store contract: ${name}`, () => {
    const open: Store[] = []
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
    })

    async function fresh(): Promise<Store> {
      const s = await makeStore()
      open.push(s)
      return s
    }

    const key = (path: string, variant = ''): string => `larder:GET:${path}${variant}|@example.test`

    function entry(body: Uint8Array = Buffer.from('hello'), ttlMs = 60_000, headers: CacheEntry['headers'] = { 'content-type': 'text/plain' }): CacheEntry {
      const now = Date.now()
      return { status: 200, headers, body, storedAt: now, expiresAt: now + ttlMs }
    }

    /** mark, then set: a fill nothing invalidated. */
    async function put(s: Store, k: string, meta: Omit<EntryMeta, 'since'>, e: CacheEntry = entry()): Promise<boolean> {
      const since = await s.mark(k, meta.path)
      return s.set(k, e, { ...meta, since })
    }

    async function present(s: Store, k: string): Promise<boolean> {
      return (await s.get(k)) !== undefined
    }

    describe('get / set', () => {
      it('answers undefined for a key never stored', async () => {
        const s = await fresh()
        expect(await s.get(key('/nothing'))).toBeUndefined()
      })

      it('round-trips an entry binary-exact: random bytes, status, times, multi-value headers', async () => {
        const s = await fresh()
        const body = randomBytes(64 * 1024 + 3)
        const headers = { 'content-type': 'application/octet-stream', 'set-cookie-like': ['a=1', 'b=2; Path=/'], 'x-unicode': 'grüße ✓', link: ['<a>', '<b>', '<c>'] }
        const e: CacheEntry = { ...entry(body, 60_000, headers), status: 203 }
        expect(await put(s, key('/bin'), { path: '/bin', tags: ['t'] }, e)).toBe(true)
        const got = await s.get(key('/bin'))
        expect(got).toBeDefined()
        expect(got!.status).toBe(203)
        expect(got!.storedAt).toBe(e.storedAt)
        expect(got!.expiresAt).toBe(e.expiresAt)
        expect(got!.headers).toEqual(headers)
        expect(Buffer.from(got!.body).equals(body)).toBe(true)
      })

      it('round-trips the freshness times: freshUntil and initialAge when set, absent when not', async () => {
        const s = await fresh()
        const now = Date.now()
        const aging: CacheEntry = { ...entry(), storedAt: now, freshUntil: now + 1_000, initialAge: 30_500, expiresAt: now + 60_000 }
        await put(s, key('/aging'), { path: '/aging', tags: [] }, aging)
        const got = await s.get(key('/aging'))
        expect([got!.freshUntil, got!.initialAge, got!.expiresAt]).toEqual([now + 1_000, 30_500, now + 60_000])
        await put(s, key('/plain'), { path: '/plain', tags: [] }, entry())
        const plain = await s.get(key('/plain'))
        expect([plain!.freshUntil, plain!.initialAge]).toEqual([undefined, undefined])
      })

      it('keeps a stale entry until its expiresAt: freshUntil is for the engine, not an expiry', async () => {
        const s = await fresh()
        const now = Date.now()
        await put(s, key('/stale'), { path: '/stale', tags: [] }, { ...entry(), freshUntil: now - 1_000, expiresAt: now + 60_000 })
        expect(await present(s, key('/stale'))).toBe(true)
      })

      it('round-trips an empty body and bytes that are not UTF-8', async () => {
        const s = await fresh()
        await put(s, key('/empty'), { path: '/empty', tags: [] }, entry(new Uint8Array(0)))
        await put(s, key('/bytes'), { path: '/bytes', tags: [] }, entry(new Uint8Array([0, 0xff, 0xfe, 0xc3, 0x28, 0, 0x0d, 0x0a])))
        expect((await s.get(key('/empty')))!.body.byteLength).toBe(0)
        expect([...(await s.get(key('/bytes')))!.body]).toEqual([0, 0xff, 0xfe, 0xc3, 0x28, 0, 0x0d, 0x0a])
      })

      it('overwrites an entry, and the replaced entry\'s tags no longer reach it', async () => {
        const s = await fresh()
        const k = key('/over')
        await put(s, k, { path: '/over', tags: ['old'] }, entry(Buffer.from('one')))
        await put(s, k, { path: '/over', tags: ['new'] }, entry(Buffer.from('two')))
        expect(Buffer.from((await s.get(k))!.body).toString()).toBe('two')
        expect(await s.invalidate({ tags: ['old'] })).toBe(0)
        expect(await present(s, k)).toBe(true)
        expect(await s.invalidate({ tags: ['new'] })).toBe(1)
        expect(await present(s, k)).toBe(false)
      })

      // The wait is on top of vitest's own timeout, so a longer `expiry.waitMs` needs no test timeout.
      it('lets an entry expire', { timeout: expiry.waitMs + 5_000 }, async () => {
        const s = await fresh()
        await put(s, key('/short'), { path: '/short', tags: [] }, entry(undefined, expiry.ttlMs))
        await put(s, key('/long'), { path: '/long', tags: [] }, entry(undefined, 60_000))
        expect(await present(s, key('/short'))).toBe(true)
        await new Promise((r) => setTimeout(r, expiry.waitMs))
        expect(await present(s, key('/short'))).toBe(false)
        expect(await present(s, key('/long'))).toBe(true)
      })
    })

    describe('invalidate', () => {
      it('by key removes that entry only and answers 1; an unknown key answers 0', async () => {
        const s = await fresh()
        await put(s, key('/a'), { path: '/a', tags: [] })
        await put(s, key('/b'), { path: '/b', tags: [] })
        expect(await s.invalidate({ keys: [key('/a')] })).toBe(1)
        expect(await present(s, key('/a'))).toBe(false)
        expect(await present(s, key('/b'))).toBe(true)
        expect(await s.invalidate({ keys: [key('/a'), key('/never')] })).toBe(0)
      })

      it('by path removes every variant of that path and nothing else', async () => {
        const s = await fresh()
        const variants = [key('/users/1'), key('/users/1', '?a=1'), key('/users/1', '?a=2'), key('/users/1', '|h=de')]
        for (const k of variants) await put(s, k, { path: '/users/1', tags: [] })
        await put(s, key('/users/10'), { path: '/users/10', tags: [] })
        await put(s, key('/users'), { path: '/users', tags: [] })
        expect(await s.invalidate({ paths: ['/users/1'] })).toBe(variants.length)
        for (const k of variants) expect(await present(s, k)).toBe(false)
        expect(await present(s, key('/users/10'))).toBe(true)
        expect(await present(s, key('/users'))).toBe(true)
      })

      it('by tag removes every entry carrying it, across many paths', async () => {
        const s = await fresh()
        for (let i = 0; i < 60; i++) await put(s, key(`/items/${i}`), { path: `/items/${i}`, tags: i % 6 === 0 ? ['items', 'sixth'] : ['items'] })
        await put(s, key('/other'), { path: '/other', tags: ['other'] })
        expect(await s.invalidate({ tags: ['sixth'] })).toBe(10)
        expect(await present(s, key('/items/6'))).toBe(false)
        expect(await present(s, key('/items/7'))).toBe(true)
        expect(await s.invalidate({ tags: ['items'] })).toBe(50)
        for (let i = 0; i < 60; i++) expect(await present(s, key(`/items/${i}`))).toBe(false)
        expect(await present(s, key('/other'))).toBe(true)
      })

      it('counts an entry named by several targets once', async () => {
        const s = await fresh()
        await put(s, key('/x'), { path: '/x', tags: ['t1', 't2'] })
        expect(await s.invalidate({ keys: [key('/x')], paths: ['/x'], tags: ['t1', 't2'] })).toBe(1)
        expect(await s.invalidate({})).toBe(0)
      })
    })

    describe('fill race: set refuses a fill invalidated after its mark, atomically', () => {
      const targets = {
        key: { keys: [key('/race')] },
        path: { paths: ['/race'] },
        tag: { tags: ['race-tag'] },
      }
      for (const [what, target] of Object.entries(targets)) {
        it(`mark → invalidate by ${what} → set is refused`, async () => {
          const s = await fresh()
          const since = await s.mark(key('/race'), '/race')
          await s.invalidate(target)
          expect(await s.set(key('/race'), entry(), { path: '/race', tags: ['race-tag'], since })).toBe(false)
          expect(await present(s, key('/race'))).toBe(false)
        })

        it(`mark → set → invalidate by ${what} removes the entry`, async () => {
          const s = await fresh()
          expect(await put(s, key('/race'), { path: '/race', tags: ['race-tag'] })).toBe(true)
          expect(await s.invalidate(target)).toBe(1)
          expect(await present(s, key('/race'))).toBe(false)
        })
      }

      it('an invalidation of another key, path or tag does not refuse the fill', async () => {
        const s = await fresh()
        const since = await s.mark(key('/race'), '/race')
        await s.invalidate({ keys: [key('/elsewhere')], paths: ['/elsewhere', '/race/child', '/rac'], tags: ['other-tag', 'race'] })
        expect(await s.set(key('/race'), entry(), { path: '/race', tags: ['race-tag'], since })).toBe(true)
        expect(await present(s, key('/race'))).toBe(true)
      })

      it('a fill marked after an invalidation is stored', async () => {
        const s = await fresh()
        await s.invalidate({ keys: [key('/race')], paths: ['/race'], tags: ['race-tag'] })
        expect(await put(s, key('/race'), { path: '/race', tags: ['race-tag'] })).toBe(true)
      })
    })

    describe('clear / close', () => {
      it('clear() removes every entry and refuses fills marked before it', async () => {
        const s = await fresh()
        for (let i = 0; i < 30; i++) await put(s, key(`/c/${i}`), { path: `/c/${i}`, tags: ['c'] })
        const since = await s.mark(key('/late'), '/late')
        await s.clear()
        for (let i = 0; i < 30; i++) expect(await present(s, key(`/c/${i}`))).toBe(false)
        expect(await s.set(key('/late'), entry(), { path: '/late', tags: [], since })).toBe(false)
        expect(await s.invalidate({ tags: ['c'] })).toBe(0)
        expect(await put(s, key('/after'), { path: '/after', tags: ['c'] })).toBe(true)
        expect(await present(s, key('/after'))).toBe(true)
      })

      it('close() resolves, may be called twice, and a closed store stores nothing', async () => {
        const s = await fresh()
        const since = await s.mark(key('/closing'), '/closing')
        await s.close()
        await s.close()
        expect(await s.set(key('/closing'), entry(), { path: '/closing', tags: [], since })).toBe(false)
        expect(await s.get(key('/closing'))).toBeUndefined()
      })
    })
  })
}
