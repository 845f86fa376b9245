import type { Server } from 'node:http'
import apicache from 'apicache'
import { larder } from '@larder/express'
import express, { type Request, type RequestHandler, type Response } from 'express'
import routeCache from 'route-cache'
import { CONTENT_TYPE, HIT_HEADERS, PREBUILT, PREFIXES, type Origin } from './fixtures.js'
import { closers, larderCache } from './stores.js'
import { REDIS_URL, type ServerSpec } from './spec.js'

/** apicache with its Redis option needs the redis v3 callback client (installed as `redis3`). */
async function apicacheInstance(spec: ServerSpec): Promise<typeof apicache> {
  if (spec.store !== 'redis') return apicache.newInstance({ defaultDuration: '5 minutes' })
  const { createClient } = await import('redis3')
  const client = createClient({ url: REDIS_URL })
  await new Promise<void>((resolve, reject) => {
    client.on('ready', () => resolve())
    client.on('error', reject)
  })
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        // apicache stores under the bare URL; remove what this server wrote.
        client.keys('/users/*', (_e, keys) => {
          if (keys.length === 0) client.quit(() => resolve())
          else client.del(keys, () => client.quit(() => resolve()))
        })
      }),
  )
  return apicache.newInstance({ defaultDuration: '5 minutes', redisClient: client })
}

export async function expressServer(spec: ServerSpec, origin: Origin): Promise<Server> {
  const app = express()
  let read: RequestHandler[] = []
  let onWrite = (_req: Request): void => {}

  switch (spec.cache) {
    case 'ceiling':
      // The Express ceiling: a middleware answering every request from a prebuilt Buffer.
      app.use((_req, res) => {
        res.setHeader('content-type', CONTENT_TYPE)
        res.setHeader('content-length', PREBUILT.byteLength)
        res.end(PREBUILT)
      })
      break
    case 'ceiling-headers':
      app.use((_req, res) => {
        res.setHeader('content-type', CONTENT_TYPE)
        res.setHeader('content-length', PREBUILT.byteLength)
        for (const [name, value] of Object.entries(HIT_HEADERS)) res.setHeader(name, value)
        res.end(PREBUILT)
      })
      break
    case 'larder':
      app.use(larder(await larderCache(spec)))
      break
    case 'apicache': {
      const instance = await apicacheInstance(spec)
      read = [instance.middleware('5 minutes')]
      onWrite = (req) => void instance.clear(req.originalUrl)
      break
    }
    case 'route-cache':
      read = [routeCache.cacheSeconds(300)]
      onWrite = (req) => routeCache.removeCache(req.originalUrl)
      break
    case 'none':
      break
  }

  for (const [prefix, delay] of Object.entries(PREFIXES)) {
    app.get(`${prefix}/users/:id`, ...read, async (req: Request<{ id: string }>, res: Response) => {
      res.json(await origin.read(req.params.id, delay))
    })
    app.put(`${prefix}/users/:id`, async (req: Request<{ id: string }>, res: Response) => {
      const user = await origin.write(req.params.id, delay)
      onWrite(req)
      res.json(user)
    })
  }
  // Never cacheable: what a cache costs when it cannot help.
  const noStoreHandler = async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    res.setHeader('cache-control', 'no-store')
    res.json(await origin.read(req.params.id, 0))
  }
  app.get('/nostore/users/:id', noStoreHandler)

  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}
