import { createCache } from '@larder/core'
import { larder } from '@larder/express'
import { fetchFrom, listen } from '@larder/testkit'
import express from 'express'
import { expect, it } from 'vitest'

// Paths are the client's: a route in a Router mounted at /api is cached, invalidated by its writes
// and by cache.invalidate({ paths }) under /api/..., as the README says.
for (const where of ['a global larder on the app', 'larders on the router and its routes'] as const) {
  it(`express.Router() mounted at /api, with ${where}: entries are under the full path`, async () => {
    const cache = createCache()
    const app = express()
    const router = express.Router()
    let version = 1
    if (where === 'a global larder on the app') app.use(larder(cache))
    else router.use(larder(cache))
    const routeLarder = where === 'a global larder on the app' ? [] : [larder(cache, { ttl: '1h' })]
    router.get('/users/:id', ...routeLarder, (req: express.Request<{ id: string }>, res: express.Response) => {
      res.json({ id: req.params.id, version })
    })
    router.put('/users/:id', (_req, res) => {
      version++
      res.status(204).end()
    })
    app.use('/api', router)
    const server = await listen(app)
    const get = (method: 'GET' | 'PUT' = 'GET') => fetchFrom(server.url, '/api/users/1', { method })
    try {
      expect((await get()).cache).toBe('MISS')
      expect((await get()).cache).toBe('HIT')
      // The path inside the router is not the entry's path.
      expect(await cache.invalidate({ paths: ['/users/1'] })).toBe(0)
      expect((await get()).cache).toBe('HIT')
      expect(await cache.invalidate({ paths: ['/api/users/1'] })).toBe(1)
      expect((await get()).cache).toBe('MISS')
      expect((await get()).cache).toBe('HIT')
      expect((await get('PUT')).status).toBe(204)
      const fresh = await get()
      expect([fresh.cache, fresh.json()]).toEqual(['MISS', { id: '1', version: 2 }])
    } finally {
      await server.close()
      await cache.close()
    }
  })
}
