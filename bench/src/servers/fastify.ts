import type { Server } from 'node:http'
import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { CONTENT_TYPE, HIT_HEADERS, PREBUILT, PREFIXES, type Origin } from './fixtures.js'
import { larderCache } from './stores.js'
import type { ServerSpec } from './spec.js'

type ById = FastifyRequest<{ Params: { id: string } }>

export async function fastifyServer(spec: ServerSpec, origin: Origin): Promise<Server> {
  const app = Fastify({ logger: false })
  switch (spec.cache) {
    case 'ceiling':
      // The Fastify ceiling: an onRequest hook answering every request from a prebuilt Buffer.
      app.addHook('onRequest', (_request, reply, done) => {
        void reply.header('content-type', CONTENT_TYPE).send(PREBUILT)
        done()
      })
      break
    case 'ceiling-headers':
      app.addHook('onRequest', (_request, reply, done) => {
        void reply.header('content-type', CONTENT_TYPE).headers(HIT_HEADERS).send(PREBUILT)
        done()
      })
      break
    case 'larder':
      await app.register(larderPlugin, { cache: await larderCache(spec) })
      break
    case 'none':
      break
    default:
      throw new Error(`no Fastify variant with cache "${spec.cache}"`)
  }
  for (const [prefix, delay] of Object.entries(PREFIXES)) {
    app.get(`${prefix}/users/:id`, async (request: ById) => origin.read(request.params.id, delay))
    app.put(`${prefix}/users/:id`, async (request: ById) => origin.write(request.params.id, delay))
  }
  const noStore = async (request: ById, reply: FastifyReply): Promise<Record<string, unknown>> => {
    void reply.header('cache-control', 'no-store')
    return origin.read(request.params.id, 0)
  }
  app.get('/nostore/users/:id', noStore)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}
