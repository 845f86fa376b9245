import { createCache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import { fetchFrom } from '@larder/testkit'
import Fastify from 'fastify'
import { expect, it } from 'vitest'

// Paths are the client's: routes registered under a prefix are cached, invalidated by their writes
// and by cache.invalidate({ paths }) under the prefix, as the README says.
it('routes registered with prefix /api: entries are under the full path', async () => {
  const cache = createCache()
  const app = Fastify()
  await app.register(larderPlugin, { cache })
  let version = 1
  await app.register(async (api) => {
    api.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id, version }))
    api.put('/users/:id', async (_req, reply) => {
      version++
      return reply.code(204).send()
    })
  }, { prefix: '/api' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const get = (method: 'GET' | 'PUT' = 'GET') => fetchFrom(base, '/api/users/1', { method })
  try {
    expect((await get()).cache).toBe('MISS')
    expect((await get()).cache).toBe('HIT')
    expect(await cache.invalidate({ paths: ['/users/1'] })).toBe(0)
    expect(await cache.invalidate({ paths: ['/api/users/1'] })).toBe(1)
    expect((await get()).cache).toBe('MISS')
    expect((await get()).cache).toBe('HIT')
    expect((await get('PUT')).status).toBe(204)
    const fresh = await get()
    expect([fresh.cache, fresh.json()]).toEqual(['MISS', { id: '1', version: 2 }])
  } finally {
    await app.close()
    await cache.close()
  }
})
