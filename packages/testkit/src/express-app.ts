import type { AddressInfo } from 'node:net'
import { larder } from '@larder/express'
import compression from 'compression'
import express, { type Request, type Response } from 'express'
// @ts-expect-error -- Express 4 under an alias; typed through Express 5's types, which cover what is used here.
import express4 from 'express4'
import type { AppFactory, HandlerRequest, Reply, RouteSpec, RunningApp } from './apps.js'

async function send(res: Response, reply: Reply): Promise<void> {
  res.status(reply.status ?? 200)
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value)
  const body = reply.body
  if (body === undefined) res.end()
  else if ('json' in body) res.json(body.json)
  else if ('end' in body) res.end(body.end)
  else if ('text' in body) res.type(body.type ?? 'text/plain').send(body.text)
  else if ('bytes' in body) res.type('application/octet-stream').send(body.bytes)
  else if ('writes' in body) {
    for await (const chunk of body.writes) res.write(chunk)
    res.end()
  } else if ('chunks' in body) {
    for (const chunk of body.chunks) {
      res.write(chunk)
      await new Promise((r) => setImmediate(r))
    }
    res.end()
  } else body.stream().pipe(res)
}

function handle(route: RouteSpec) {
  // Errors go to next() explicitly: Express 4 does not catch a rejected async handler.
  return (req: Request, res: Response, next: (err?: unknown) => void): void => {
    const hreq: HandlerRequest = {
      method: req.method,
      url: req.originalUrl,
      params: req.params as Record<string, string>,
      query: req.query,
      // Read only by handlers that need it: on Express 4, req.host is deprecated and warns.
      get host() {
        return (req as { host?: string }).host ?? req.hostname
      },
      protocol: req.protocol,
      headers: req.headers,
      get closed() {
        return new Promise<void>((resolve) => res.once('close', () => resolve()))
      },
    }
    void (async () => {
      const reply = await route.handler(hreq)
      if (reply.fail) throw new Error('handler failed')
      await send(res, reply)
    })().catch(next)
  }
}

function expressFactory(name: string, createApp: () => ReturnType<typeof express>): AppFactory {
  return {
  name,
  async start(cache, routes, options = {}) {
    const app = createApp()
    if (options.trustProxy) app.set('trust proxy', true)
    if (options.etag !== undefined) app.set('etag', options.etag)
    if (options.queryParser) app.set('query parser', options.queryParser)
    if (options.compressor === 'before') app.use(compression({ threshold: 0 }))
    if (options.global ?? true) app.use(larder(cache))
    if (options.compressor === 'after') app.use(compression({ threshold: 0 }))
    for (const route of routes) {
      // Express routes every method in Node's http.METHODS through app[lower-case name] (app.purge, app.lock).
      const method = route.method.toLowerCase() as 'get'
      // A route-level larder goes where the route has options of its own, and, without a global
      // larder, on every mutation, so that writes keep invalidating (what the README tells users).
      const wantsRoute = route.options !== undefined || (options.global === false && route.method !== 'GET')
      if (wantsRoute) app[method](route.path, larder(cache, route.options ?? true), handle(route))
      else app[method](route.path, handle(route))
    }
    app.use((err: Error, _req: Request, res: Response, _next: () => void) => {
      res.status(500).json({ error: err.message })
    })
    return listen(app)
  },
  }
}

/** Starts an Express app (4 or 5) built by hand on a free port. */
export async function listen(app: ReturnType<typeof express>): Promise<RunningApp> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const expressApps = expressFactory('express', () => express())
export const express4Apps = expressFactory('express 4', () => (express4 as typeof express)())
