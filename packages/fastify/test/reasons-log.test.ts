import { Writable } from 'node:stream'
import { createCache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, expect, it } from 'vitest'

// Fastify's request logger gets each bypass and refused store at debug level, with its reason.
const apps: FastifyInstance[] = []
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close()
})

async function logOf(level: string): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const app = Fastify({ logger: { level, stream } })
  apps.push(app)
  await app.register(larderPlugin, { cache: createCache() })
  app.get('/private', async (_req, reply) => reply.header('cache-control', 'private').send({ ok: true }))
  app.get('/public', async () => ({ ok: true }))
  await app.inject('/private')
  await app.inject({ url: '/public', headers: { 'x-original-url': '/admin' } })
  await app.inject('/public')
  return lines.filter((l) => l['larder'] !== undefined)
}

it('at debug level, each bypass and each response not stored is logged with its reason', async () => {
  const logged = (await logOf('debug')).map((l) => [l['larder'], l['reason'], l['msg']])
  expect(logged).toEqual([
    ['not stored', 'private', 'larder: not stored (private)'],
    ['bypass', 'override-header', 'larder: bypass (override-header)'],
  ])
})

it('above debug level, nothing', async () => {
  expect(await logOf('info')).toEqual([])
})
