import { Readable } from 'node:stream'
import compress from '@fastify/compress'
import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { AppFactory, Reply, RouteSpec } from './apps.js'

function send(reply: FastifyReply, r: Reply): unknown {
  void reply.code(r.status ?? 200)
  for (const [name, value] of Object.entries(r.headers ?? {})) void reply.header(name, value)
  const body = r.body
  if (body === undefined) return reply.send()
  if ('json' in body) return reply.send(body.json)
  if ('end' in body) return reply.send(body.end)
  if ('text' in body) return reply.type(body.type ?? 'text/plain').send(body.text)
  if ('bytes' in body) return reply.type('application/octet-stream').send(body.bytes)
  if ('writes' in body) return reply.send(Readable.from(body.writes))
  if ('chunks' in body) return reply.send(Readable.from(body.chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))
  return reply.send(body.stream())
}

function handle(route: RouteSpec) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const r = await route.handler({
      method: request.method,
      url: request.url,
      params: request.params as Record<string, string>,
      query: request.query,
      host: request.host,
      protocol: request.protocol,
      headers: request.headers,
      get closed() {
        return new Promise<void>((resolve) => reply.raw.once('close', () => resolve()))
      },
    })
    if (r.fail) throw new Error('handler failed')
    return send(reply, r)
  }
}

export const fastifyApps: AppFactory = {
  name: 'fastify',
  async start(cache, routes, options = {}) {
    const serverOptions: FastifyServerOptions = { logger: options.logger ? { level: 'warn' } : false, trustProxy: options.trustProxy ?? false }
    // Fastify 5 types useSemicolonDelimiter only at the top level, where it is deprecated (FSTDEP022).
    if (options.useSemicolonDelimiter) serverOptions.routerOptions = { useSemicolonDelimiter: true } as FastifyServerOptions['routerOptions']
    const app = Fastify(serverOptions)
    if (options.compressor === 'before') await app.register(compress, { threshold: 0 })
    await app.register(larderPlugin, { cache, global: options.global ?? true })
    if (options.compressor === 'after') await app.register(compress, { threshold: 0 })
    for (const route of routes) {
      // Fastify 5 routes only the common methods until an app adds the others it serves.
      if (!app.supportedMethods.includes(route.method)) app.addHttpMethod(route.method, { hasBody: true })
      const config = route.options === undefined ? {} : { cache: route.options }
      app.route({ method: route.method, url: route.path, config, handler: handle(route) })
    }
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
  },
}
