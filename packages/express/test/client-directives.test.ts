import { createCache, type Cache } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom, listen } from '@larder/testkit'
import express, { type Express, type Request, type Response } from 'express'
// @ts-expect-error -- Express 4 under an alias; typed through Express 5's types, which cover what is used here.
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'

// A global larder runs before Express routes the request: these apps put the routes that honour
// client directives where only Express's router knows them (mounted routers, path-mounted larders,
// sub-apps), on Express 5 and Express 4.

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

type Get = (path: string, o?: Parameters<typeof fetchFrom>[2]) => ReturnType<typeof fetchFrom>

/** Builds an app on a fresh cache, with a handler answering how many times it ran per URL, and starts it. */
async function serve(createApp: () => Express, build: (app: Express, cache: Cache, handler: (req: Request, res: Response) => void) => void): Promise<Get> {
  const cache = createCache()
  const app = createApp()
  const calls = new Map<string, number>()
  build(app, cache, (req, res) => {
    const n = (calls.get(req.originalUrl) ?? 0) + 1
    calls.set(req.originalUrl, n)
    res.json({ call: n })
  })
  const running = await listen(app)
  closers.push(async () => {
    await running.close()
    await cache.close()
  })
  return (path, o) => fetchFrom(running.url, path, o)
}

const NO_CACHE = { headers: { 'cache-control': 'no-cache' } }

const express4Typed = express4 as typeof express

for (const [name, createApp, createRouter] of [
  ['express 5', () => express(), () => express.Router()],
  ['express 4', () => express4Typed(), () => express4Typed.Router()],
] as const) {
  describe(`client directives and routing: ${name}`, () => {
    /** Fills `path`, then asks with no-cache: answers the second response. */
    const ask = async (get: Get, path: string) => {
      await get(path)
      const res = await get(path, NO_CACHE)
      return [res.cache, res.json().call]
    }

    it('finds the routes of a mounted router, nested routers included', async () => {
      const get = await serve(createApp, (app, cache, handler) => {
        app.use(larder(cache))
        const api = createRouter()
        const v1 = createRouter()
        api.get('/items/:id', larder(cache, { clientCacheControl: true }), handler)
        api.get('/other', handler)
        v1.get('/deep', larder(cache, { clientCacheControl: true }), handler)
        v1.get('/shallow', handler)
        api.use('/v1', v1)
        app.use('/api', api)
      })
      expect(await ask(get, '/api/items/1')).toEqual(['MISS', 2])
      expect(await ask(get, '/api/other')).toEqual(['HIT', 1])
      expect(await ask(get, '/api/v1/deep')).toEqual(['MISS', 2])
      expect(await ask(get, '/api/v1/shallow?q=1')).toEqual(['HIT', 1])
      // HEAD runs the GET route: refreshed too.
      expect((await get('/api/items/1', { method: 'HEAD', headers: NO_CACHE.headers })).cache).toBe('MISS')
    })

    it('a larder mounted on a path applies to every route under it', async () => {
      const get = await serve(createApp, (app, cache, handler) => {
        app.use(larder(cache))
        app.use('/admin', larder(cache, { clientCacheControl: true }))
        app.get('/admin/report', handler)
        app.get('/administrator', handler)
        app.get('/public', handler)
      })
      expect(await ask(get, '/admin/report')).toEqual(['MISS', 2])
      expect(await ask(get, '/administrator')).toEqual(['HIT', 1])
      expect(await ask(get, '/public')).toEqual(['HIT', 1])
    })

    it('the first route to match decides, as in Express: an earlier route without the option is answered from the cache', async () => {
      const get = await serve(createApp, (app, cache, handler) => {
        app.use(larder(cache))
        app.get('/items/special', handler)
        app.get('/items/:id', larder(cache, { clientCacheControl: true }), handler)
        app.post('/items/:id', handler)
      })
      expect(await ask(get, '/items/special')).toEqual(['HIT', 1])
      expect(await ask(get, '/items/7')).toEqual(['MISS', 2])
      // A write carrying a directive still invalidates: only reads are left to the route.
      await get('/items/7', { method: 'POST', headers: NO_CACHE.headers })
      expect((await get('/items/7')).cache).toBe('MISS')
    })

    it('sees routes added after the first request', async () => {
      let addLate = (): void => undefined
      const get = await serve(createApp, (app, cache, handler) => {
        app.use(larder(cache))
        app.get('/early', larder(cache, { clientCacheControl: true }), handler)
        addLate = () => {
          app.get('/late', larder(cache, { clientCacheControl: true }), handler)
          app.get('/late-plain', handler)
        }
      })
      expect(await ask(get, '/early')).toEqual(['MISS', 2])
      addLate()
      expect(await ask(get, '/late')).toEqual(['MISS', 2])
      expect(await ask(get, '/late-plain')).toEqual(['HIT', 1])
    })

    it("a sub-app's routes are hidden from the parent's larder, which then answers by its own options, never bypassing", async () => {
      const get = await serve(createApp, (app, cache, handler) => {
        app.use(larder(cache))
        const sub = createApp()
        sub.use(larder(cache))
        sub.get('/fresh', larder(cache, { clientCacheControl: true }), handler)
        sub.get('/plain', handler)
        app.use('/sub', sub)
        app.get('/plain', handler)
      })
      expect(await ask(get, '/plain')).toEqual(['HIT', 1])
      expect(await ask(get, '/sub/plain')).toEqual(['HIT', 1])
      // The parent's larder serves what it has: the route inside the sub-app cannot refresh it.
      expect(await ask(get, '/sub/fresh')).toEqual(['HIT', 1])
    })

    it('a sub-app with a larder of its own, and none on the parent, finds its routes', async () => {
      const get = await serve(createApp, (app, cache, handler) => {
        const sub = createApp()
        sub.use(larder(cache))
        sub.get('/fresh', larder(cache, { clientCacheControl: true }), handler)
        sub.get('/plain', handler)
        app.use('/sub', sub)
      })
      expect(await ask(get, '/sub/fresh')).toEqual(['MISS', 2])
      expect(await ask(get, '/sub/plain')).toEqual(['HIT', 1])
    })
  })
}
