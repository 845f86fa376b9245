/**
 * One app instance for multi-process tests, run as its own process:
 *   FRAMEWORK=express|fastify REDIS_URL=… PREFIX=… tsx --conditions=source instance-server.ts
 * Items live in Redis under `<PREFIX>:db:` (the shared "database"); responses are cached by larder
 * in the same Redis under its own prefix. Prints `READY <url>` once listening.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCache } from '@larder/core'
import { larder } from '@larder/express'
import larderPlugin from '@larder/fastify'
import { redisStore } from '@larder/redis'
import express from 'express'
import Fastify from 'fastify'
import { createClient } from 'redis'

const framework = process.env.FRAMEWORK
const url = process.env.REDIS_URL
const prefix = process.env.PREFIX ?? 'multi'
if ((framework !== 'express' && framework !== 'fastify') || !url) throw new Error('set FRAMEWORK=express|fastify and REDIS_URL')

const cacheClient = createClient({ url, disableOfflineQueue: true })
const dbClient = createClient({ url })
await Promise.all([cacheClient.connect(), dbClient.connect()])
const cache = createCache({ store: redisStore({ client: cacheClient, prefix: `${prefix}:cache` }), ttl: '1m', storeTimeout: '500ms' })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// A read that takes a little while, so fills and writes from the other process interleave.
async function readItem(id: string): Promise<{ id: string; version: number }> {
  const version = Number((await dbClient.get(`${prefix}:db:item:${id}`)) ?? 0)
  await sleep(Math.random() * 15)
  return { id, version }
}
const writeItem = async (id: string) => ({ id, version: await dbClient.incr(`${prefix}:db:item:${id}`) })
const tags = (id: string) => [`item:${id}`]

let address: AddressInfo
if (framework === 'express') {
  const app = express()
  app.use(larder(cache))
  app.get('/items/:id', larder(cache, { tags: (req) => tags(req.params.id as string) }), async (req, res) => {
    res.json(await readItem(req.params.id as string))
  })
  app.put('/items/:id', larder(cache, { invalidates: (req) => tags(req.params.id as string) }), async (req, res) => {
    res.json(await writeItem(req.params.id as string))
  })
  const server = createServer(app).listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  address = server.address() as AddressInfo
} else {
  const app = Fastify()
  await app.register(larderPlugin, { cache })
  app.get<{ Params: { id: string } }>('/items/:id', { config: { cache: { tags: (req: any) => tags(req.params.id) } } }, async (req) => readItem(req.params.id))
  app.put<{ Params: { id: string } }>('/items/:id', { config: { cache: { invalidates: (req: any) => tags(req.params.id) } } }, async (req) => writeItem(req.params.id))
  await app.listen({ port: 0, host: '127.0.0.1' })
  address = app.server.address() as AddressInfo
}
process.stdout.write(`READY http://127.0.0.1:${address.port}\n`)
process.on('SIGTERM', () => process.exit(0))
