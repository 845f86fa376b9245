import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { createCache, type CacheOptions } from '@larder/core'
import { larder } from '@larder/express'
import larderPlugin from '@larder/fastify'
import express from 'express'
import Fastify from 'fastify'
import { createRelay, type Relayed } from './relay.js'

export type Adapter = 'express' | 'fastify'

export interface Proxy {
  /** Where the suite's client sends its requests. */
  url: string
  close(): Promise<void>
}

/** Sends the origin's answer through a Node response: status, end-to-end headers, bytes. */
function write(res: { statusCode: number; setHeader(name: string, value: string | string[] | number): unknown; end(body?: Buffer): unknown }, relayed: Relayed): void {
  res.statusCode = relayed.status
  for (const [name, value] of Object.entries(relayed.headers)) if (value !== undefined) res.setHeader(name, value)
  res.end(relayed.body)
}

async function expressProxy(options: CacheOptions, origin: string): Promise<Proxy> {
  const cache = createCache(options)
  const relay = createRelay(origin)
  const app = express()
  // A proxy adds nothing of its own: no X-Powered-By, no ETag computed from the body.
  app.disable('x-powered-by')
  app.disable('etag')
  app.use(larder(cache))
  app.use((req, res, next) => {
    relay.forward({ method: req.method, url: req.originalUrl, headers: req.headers, body: req }).then((relayed) => write(res, relayed), next)
  })
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await relay.close()
      await cache.close()
    },
  }
}

async function fastifyProxy(options: CacheOptions, origin: string): Promise<Proxy> {
  const cache = createCache(options)
  const relay = createRelay(origin)
  const app = Fastify()
  // Every body, of any type, arrives as the bytes the client sent.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  await app.register(larderPlugin, { cache, global: true })
  app.all('/*', async (req, reply) => {
    const relayed = await relay.forward({ method: req.method, url: req.url, headers: req.headers, body: req.body as Buffer | undefined })
    reply.code(relayed.status)
    for (const [name, value] of Object.entries(relayed.headers)) if (value !== undefined) reply.header(name, value)
    return reply.send(relayed.body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async close() {
      await app.close()
      await relay.close()
      await cache.close()
    },
  }
}

/** A caching reverse proxy in front of `origin`: larder on the given framework, the relay as its only handler. */
export function startProxy(adapter: Adapter, options: CacheOptions, origin: string): Promise<Proxy> {
  return adapter === 'express' ? expressProxy(options, origin) : fastifyProxy(options, origin)
}
