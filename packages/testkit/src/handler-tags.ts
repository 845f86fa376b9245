import type { LarderError } from '@larder/core'
import { describe, expect, it } from 'vitest'
import type { AppFactory, Reply, RouteSpec } from './apps.js'
import { counter, useHarness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'
import { gate, until } from './waiting.js'

const TAGS = 'x-cache-tags'

/**
 * Tags set by the handler (`tagHeader`): they index the entry like the route's tags, they are
 * checked by the no-stale-fill rule, their number is capped, and the header never reaches a client.
 */
export function handlerTagsSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`tags from the handler: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    const team = (tags: () => string | undefined, calls = counter(), before?: () => Promise<void>): RouteSpec[] => [
      {
        method: 'GET',
        path: '/teams/3/members',
        handler: async (): Promise<Reply> => {
          const n = calls.next()
          await before?.()
          const t = tags()
          const headers: Record<string, string> = {}
          if (t !== undefined) headers[TAGS] = t
          return { headers, body: { json: { call: n } } }
        },
      },
      { method: 'PUT', path: '/users/:id', options: { invalidates: (req: any) => [`user:${req.params.id}`] }, handler: () => ({ body: { json: { ok: true } } }) },
    ]

    it('index the entry: a write invalidating one of them removes it, and no client sees the header', async () => {
      const calls = counter()
      const h = await start(team(() => 'user:1, user:7 user:20', calls), { tagHeader: TAGS })
      const miss = await h.get('/teams/3/members')
      const hit = await h.get('/teams/3/members')
      expect([miss.cache, hit.cache, calls.n]).toEqual(['MISS', 'HIT', 1])
      for (const res of [miss, hit]) expect(res.headers[TAGS]).toBeUndefined()
      expect((await h.get('/users/7', { method: 'PUT' })).status).toBe(200)
      const after = await h.get('/teams/3/members')
      expect([after.cache, after.json().call]).toEqual(['MISS', 2])
    })

    it('cache.invalidate({ tags }) reaches them too; other tags leave the entry alone', async () => {
      const h = await start(team(() => 'user:1,user:2'), { tagHeader: TAGS })
      await h.get('/teams/3/members')
      expect(await h.cache.invalidate({ tags: ['user:99'] })).toBe(0)
      expect((await h.get('/teams/3/members')).cache).toBe('HIT')
      expect(await h.cache.invalidate({ tags: ['user:2'] })).toBeGreaterThan(0)
      expect((await h.get('/teams/3/members')).cache).toBe('MISS')
    })

    it('a tag invalidated while the handler runs keeps its response out of the store (no stale fill)', async () => {
      const held = gate()
      let first = true
      const h = await start(
        team(() => 'user:5', counter(), async () => {
          if (first) {
            first = false
            await held.wait()
          }
        }),
        { tagHeader: TAGS },
      )
      const slow = h.get('/teams/3/members')
      await until(() => !first)
      await h.cache.invalidate({ tags: ['user:5'] })
      held.release()
      expect((await slow).cache).toBe('MISS')
      const next = await h.get('/teams/3/members')
      expect(next.cache).toBe('MISS')
      expect((await h.get('/teams/3/members')).cache).toBe('HIT')
    })

    it('more than 64 tags: served, not stored, reported as a TagLimitError naming the header', async () => {
      const errors: LarderError[] = []
      const many = Array.from({ length: 65 }, (_, i) => `user:${i}`).join(',')
      const calls = counter()
      const h = await start(team(() => many, calls), { tagHeader: TAGS, onError: (e) => void errors.push(e) })
      const first = await h.get('/teams/3/members')
      const second = await h.get('/teams/3/members')
      expect([first.status, first.cache, second.cache, calls.n]).toEqual([200, 'MISS', 'MISS', 2])
      expect(first.headers[TAGS]).toBeUndefined()
      expect(errors[0]?.code).toBe('LARDER_TAG_LIMIT')
      expect(errors[0]?.message).toContain(TAGS)
    })

    it('a tag over 256 characters is refused the same way', async () => {
      const errors: LarderError[] = []
      const h = await start(team(() => `user:${'x'.repeat(300)}`), { tagHeader: TAGS, onError: (e) => void errors.push(e) })
      await h.get('/teams/3/members')
      expect((await h.get('/teams/3/members')).cache).toBe('MISS')
      expect(errors[0]?.code).toBe('LARDER_TAG_LIMIT')
    })

    it('a 304 that names no tags keeps the entry\'s: a write to one still removes the refreshed entry', async () => {
      let revalidations = 0
      const routes: RouteSpec[] = [
        {
          method: 'GET',
          path: '/teams/3/members',
          handler: (req): Reply => {
            if (req.headers['if-none-match'] === '"v1"') {
              revalidations++
              return { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=3600' } }
            }
            return { headers: { [TAGS]: 'user:7', etag: '"v1"', 'cache-control': 'max-age=0' }, body: { json: { v: 1 } } }
          },
        },
        { method: 'PUT', path: '/users/:id', options: { invalidates: (req: any) => [`user:${req.params.id}`] }, handler: () => ({ body: { json: { ok: true } } }) },
      ]
      const h = await start(routes, { tagHeader: TAGS })
      await h.get('/teams/3/members')
      const refreshed = await h.get('/teams/3/members')
      expect([refreshed.cache, revalidations]).toEqual(['REVALIDATED', 1])
      expect(refreshed.headers[TAGS]).toBeUndefined()
      expect((await h.get('/teams/3/members')).cache).toBe('HIT')
      await h.get('/users/7', { method: 'PUT' })
      const after = await h.get('/teams/3/members')
      expect(after.cache).not.toBe('HIT')
    })

    it('without tagHeader, the header is the app\'s: passed through and stored like any other', async () => {
      const h = await start(team(() => 'user:1'))
      await h.get('/teams/3/members')
      const hit = await h.get('/teams/3/members')
      expect([hit.cache, hit.headers[TAGS]]).toEqual(['HIT', 'user:1'])
    })
  })
}
