import { createCache } from '@larder/core'
import larderPlugin, { cacheRoute } from '@larder/fastify'
import { fetchFrom } from '@larder/testkit'
import Fastify from 'fastify'
import { expect, expectTypeOf, it } from 'vitest'

// The type assertions here are checked by `pnpm typecheck` (tsc over the tests, strict): a route's
// option functions must see the route's own request types, not `unknown`.
interface UserRoute {
  Params: { id: string }
  Querystring: { fields?: string }
}

it("cacheRoute types the option functions with the route's generic, and registers as config.cache", async () => {
  const cache = createCache()
  const app = Fastify()
  await app.register(larderPlugin, { cache })
  const seen: string[] = []
  const options = cacheRoute<UserRoute>({
    tags: (req) => {
      expectTypeOf(req.params).toEqualTypeOf<{ id: string }>()
      expectTypeOf(req.query).toEqualTypeOf<{ fields?: string }>()
      seen.push(req.params.id)
      return [`user:${req.params.id}`]
    },
    key: { custom: (req) => req.query.fields },
  })
  app.get<UserRoute>('/users/:id', { config: { cache: options } }, async (req) => ({ id: req.params.id }))
  app.put<UserRoute>('/users/:id', { config: { cache: cacheRoute<UserRoute>({ invalidates: (req) => [`user:${req.params.id}`] }) } }, async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    const address = app.server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    expect((await fetchFrom(base, '/users/7')).cache).toBe('MISS')
    expect((await fetchFrom(base, '/users/7')).cache).toBe('HIT')
    expect(seen).toEqual(['7'])
    expect((await fetchFrom(base, '/users/7', { method: 'PUT' })).status).toBe(200)
    expect((await fetchFrom(base, '/users/7')).cache).toBe('MISS')
    expect(await cache.invalidate({ tags: ['user:7'] })).toBe(1)
  } finally {
    await app.close()
    await cache.close()
  }
})

it('cacheRoute without a generic gives the request Fastify gives an untyped route', () => {
  cacheRoute({ tags: (req) => {
    expectTypeOf(req.params).toEqualTypeOf<unknown>()
    return []
  } })
})
