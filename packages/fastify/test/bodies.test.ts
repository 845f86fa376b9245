import { createCache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import { bodiesSuite, fastifyApps, fetchFrom, memoryStores } from '@larder/testkit'
import Fastify, { type FastifyReply } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'

bodiesSuite(fastifyApps, memoryStores)

// A web stream or a Response reaches larder's onSend before Fastify reads it (and, for a Response,
// before Fastify applies its status and headers): there is nothing larder could have copied.
describe('@larder/fastify: payloads larder cannot copy as they pass', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of closers.splice(0)) await c()
  })

  const webStream = (text: string): ReadableStream<Uint8Array> =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text))
        controller.close()
      },
    })

  it.each([
    ['a web ReadableStream', (reply: FastifyReply, text: string) => reply.type('text/plain').send(webStream(text))],
    ['a Response', (reply: FastifyReply, text: string) => reply.send(new Response(text, { headers: { 'content-type': 'text/plain' } }))],
  ])('%s is served whole and never stored (not even as an empty body)', async (_name, send) => {
    const cache = createCache()
    const app = Fastify()
    await app.register(larderPlugin, { cache })
    let calls = 0
    app.get('/doc', async (_req, reply) => send(reply, `call ${++calls}`))
    await app.listen({ port: 0, host: '127.0.0.1' })
    closers.push(async () => {
      await app.close()
      await cache.close()
    })
    const address = app.server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const first = await fetchFrom(base, '/doc')
    const second = await fetchFrom(base, '/doc')
    expect([first.cache, first.text, second.cache, second.text]).toEqual(['MISS', 'call 1', 'MISS', 'call 2'])
    expect(cache.stats().stores).toBe(0)
  })
})
