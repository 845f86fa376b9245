import { METHODS, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
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

/**
 * Passes the origin's interim responses on as they come, as a proxy does (RFC 9110 §15.2): the
 * suite checks that 102 and 103 reach the client and that a cache does not store them.
 */
function interimTo(res: ServerResponse): (status: number, headers: Record<string, string | string[]>) => void {
  return (status, headers) => {
    if (status === 102) res.writeProcessing()
    else if (status === 103) res.writeEarlyHints(headers)
  }
}

async function expressProxy(options: CacheOptions | false, origin: string): Promise<Proxy> {
  const cache = options === false ? undefined : createCache(options)
  const relay = createRelay(origin)
  const app = express()
  // A proxy adds nothing of its own: no X-Powered-By, no ETag computed from the body.
  app.disable('x-powered-by')
  app.disable('etag')
  if (cache !== undefined) app.use(larder(cache))
  app.use((req, res, next) => {
    relay.forward({ method: req.method, url: req.originalUrl, headers: req.headers, body: req, onInterim: interimTo(res) }).then((relayed) => write(res, relayed), next)
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
      await cache?.close()
    },
  }
}

async function fastifyProxy(options: CacheOptions | false, origin: string): Promise<Proxy> {
  const cache = options === false ? undefined : createCache(options)
  const relay = createRelay(origin)
  const app = Fastify()
  // Every body, of any type, arrives as the bytes the client sent.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
  // Every method Node parses (the suite sends M-SEARCH), with whatever body it carries.
  for (const method of METHODS) if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true })
  if (cache !== undefined) await app.register(larderPlugin, { cache, global: true })
  app.all('/*', async (req, reply) => {
    const relayed = await relay.forward({ method: req.method, url: req.url, headers: req.headers, body: req.body as Buffer | undefined, onInterim: interimTo(reply.raw) })
    if (relayed.status > 599) {
      // Fastify refuses statuses above 599, which the suite's origin sends on purpose (999: "the
      // cache should have made this request conditional"); never stored, so written past Fastify.
      reply.hijack()
      write(reply.raw, relayed)
      return reply
    }
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
      await cache?.close()
    },
  }
}

/**
 * A caching reverse proxy in front of `origin`: larder on the given framework, the relay as its
 * only handler. `false`: the relay alone, to check the proxy is transparent (--relay-check).
 */
export function startProxy(adapter: Adapter, options: CacheOptions | false, origin: string): Promise<Proxy> {
  return adapter === 'express' ? expressProxy(options, origin) : fastifyProxy(options, origin)
}
