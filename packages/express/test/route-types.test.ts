import { createCache } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom, listen } from '@larder/testkit'
import express, { type Request } from 'express'
import { expect, expectTypeOf, it } from 'vitest'

// The type assertions here are checked by `pnpm typecheck` (tsc over the tests, strict): a route's
// option functions receive the request type larder is given, as the README shows.
it("larder<Request<Params>> types the option functions with the route's params, and keeps the handler's", async () => {
  const cache = createCache()
  const app = express()
  type UserRequest = Request<{ id: string }>
  app.get('/users/:id', larder<UserRequest>(cache, {
    tags: (req) => {
      expectTypeOf(req.params).toEqualTypeOf<{ id: string }>()
      return [`user:${req.params.id}`]
    },
    key: { custom: (req) => req.params.id },
  }), (req, res) => {
    // larder before the handler leaves the params Express infers from the path.
    expectTypeOf(req.params).toEqualTypeOf<{ id: string }>()
    res.json({ id: req.params.id })
  })
  app.put('/users/:id', larder<UserRequest>(cache, { invalidates: (req) => [`user:${req.params.id}`], invalidateParent: false }), (_req, res) => {
    res.status(204).end()
  })
  const server = await listen(app)
  try {
    expect((await fetchFrom(server.url, '/users/7')).cache).toBe('MISS')
    expect((await fetchFrom(server.url, '/users/7')).cache).toBe('HIT')
    expect((await fetchFrom(server.url, '/users/7', { method: 'PUT' })).status).toBe(204)
    expect((await fetchFrom(server.url, '/users/7')).cache).toBe('MISS')
    expect(await cache.invalidate({ tags: ['user:7'] })).toBe(1)
  } finally {
    await server.close()
    await cache.close()
  }
})

it("an untyped larder(cache) on a route keeps the handler's params typed from the path", () => {
  const app = express()
  app.get('/teams/:team/users/:id', larder(createCache()), (req, res) => {
    expectTypeOf(req.params.team).toEqualTypeOf<string>()
    expectTypeOf(req.params.id).toEqualTypeOf<string>()
    // @ts-expect-error -- not a parameter of this path
    void req.params.other
    res.end()
  })
})
