import { createCache } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom, listen } from '@larder/testkit'
import express, { type Express, type Request, type Response } from 'express'
// @ts-expect-error -- Express 4 under an alias; typed through Express 5's types, which cover what is used here.
import express4 from 'express4'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Placement mistakes that leave larder silently out of the way are told once, with the fix.

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const c of closers.splice(0)) await c()
})

const handler = (_req: Request, res: Response): void => void res.json({ ok: true })

/** Starts the app built by `build`, sends `paths` (GETs) in order, and returns what larder warned. */
async function warningsOf(createApp: () => Express, build: (app: Express, cache: ReturnType<typeof createCache>) => void, paths: string[]): Promise<string[]> {
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
  const cache = createCache()
  const app = createApp()
  build(app, cache)
  const running = await listen(app)
  closers.push(async () => {
    await running.close()
    await cache.close()
  })
  for (const path of paths) await fetchFrom(running.url, path)
  // Each as `CODE: message`.
  return warn.mock.calls.map((call) => `${(call[1] as { code?: string } | undefined)?.code}: ${String(call[0])}`).filter((m) => m.startsWith('LARDER_'))
}

const express4Typed = express4 as typeof express

describe.each([
  ['Express 5', express],
  ['Express 4', express4Typed],
])('placement warnings (%s)', (_name, createApp) => {
  it('warns once when app.use(larder()) comes after routes, naming them and the fix', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        app.get('/users/:id', handler)
        app.put('/users/:id', handler)
        app.use(larder(cache))
      },
      // Only a request no route answers reaches a larder placed after every route.
      ['/users/1', '/favicon.ico', '/favicon.ico'],
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^LARDER_AFTER_ROUTES: /)
    expect(warnings[0]).toContain('comes after 2 route(s)')
    expect(warnings[0]).toContain('GET /users/:id')
    expect(warnings[0]).toContain('PUT /users/:id')
    expect(warnings[0]).toContain('Move app.use(larder(cache)) above the routes')
  })

  it('finds routes in a router mounted before the larder', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        const api = express.Router()
        api.get('/users/:id', handler)
        app.use('/api', api)
        app.use(larder(cache))
      },
      ['/nothing'],
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('GET /users/:id')
  })

  it('says nothing when larder comes first and covers every write', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        app.use(larder(cache))
        app.get('/users/:id', handler)
        app.put('/users/:id', handler)
        const api = express.Router()
        api.get('/teams', handler)
        api.post('/teams', handler)
        app.use('/api', api)
      },
      ['/users/1', '/api/teams'],
    )
    expect(warnings).toEqual([])
  })

  it('warns once per write route that no larder sees next to a cached GET of its item or collection', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        app.get('/users/:id', larder(cache), handler)
        app.put('/users/:id', handler)
        app.post('/users', handler)
        app.delete('/orders/:id', handler) // no cached GET of orders: nothing to go stale
        app.patch('/teams/:id', larder(cache), handler) // seen by larder
        app.get('/teams/:id', larder(cache), handler)
      },
      ['/users/1', '/users/1', '/teams/1'],
    )
    expect(warnings).toHaveLength(2)
    for (const w of warnings) expect(w).toMatch(/^LARDER_UNSEEN_WRITE: /)
    expect(warnings.find((w) => w.includes('larder does not see PUT /users/:id'))).toContain("app.put('/users/:id', larder(cache")
    expect(warnings.find((w) => w.includes('larder does not see POST /users'))).toContain('cached GET /users/:id')
  })

  it('counts every unsafe method as a write, and no safe one (RFC 9111 §4.4)', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        app.get('/users/:id', larder(cache), handler)
        app.purge('/users/:id', handler)
        app.lock('/users/:id', handler)
        app.options('/users/:id', handler)
        app.propfind('/users/:id', handler)
      },
      ['/users/1', '/users/1'],
    )
    expect(warnings).toHaveLength(2)
    expect(warnings.find((w) => w.includes('larder does not see PURGE /users/:id'))).toContain("app.purge('/users/:id', larder(cache")
    expect(warnings.find((w) => w.includes('larder does not see LOCK /users/:id'))).toBeDefined()
  })

  it('checks routers too, where a larder mounted ahead covers their writes', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        const covered = express.Router()
        covered.use(larder(cache))
        covered.get('/items/:id', handler)
        covered.put('/items/:id', handler)
        app.use('/a', covered)
        const uncovered = express.Router()
        uncovered.get('/items/:id', larder(cache), handler)
        uncovered.delete('/items/:id', handler)
        app.use('/b', uncovered)
      },
      ['/a/items/1', '/b/items/1'],
    )
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('larder does not see DELETE /items/:id')
  })

  it('does not count an opted-out GET as cached', async () => {
    const warnings = await warningsOf(
      createApp,
      (app, cache) => {
        app.get('/live', larder(cache, false), handler)
        app.post('/live', handler)
      },
      ['/live'],
    )
    expect(warnings).toEqual([])
  })
})
