import { createCache, LarderError, type Cache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function app(): FastifyInstance {
  const a = Fastify()
  cleanups.push(() => a.close())
  return a
}

function cache(): Cache {
  const c = createCache()
  cleanups.push(() => c.close())
  return c
}

async function readyError(a: FastifyInstance): Promise<unknown> {
  return a.ready().then(
    () => {
      throw new Error('expected registration to fail')
    },
    (e: unknown) => e,
  )
}

function expectOptionError(e: unknown): void {
  expect(e).toBeInstanceOf(LarderError)
  expect((e as LarderError).code).toBe('LARDER_INVALID_OPTION')
  expect((e as LarderError).name).toBe('LarderOptionError')
}

describe('every option mistake of the Fastify plugin is a LarderError with the option code', () => {
  it.each([
    ['a "cache" that is not a cache', () => ({ cache: {} })],
    ['no options', () => undefined],
    ['an unknown plugin option', () => ({ cache: cache(), globl: true })],
    ['a "global" that is not a boolean', () => ({ cache: cache(), global: 'yes' })],
  ])('%s', async (_what, options) => {
    const a = app()
    void a.register(larderPlugin, options() as never)
    expectOptionError(await readyError(a))
  })

  it('a second registration in the same context', async () => {
    const a = app()
    void a.register(larderPlugin, { cache: cache() })
    void a.register(async (child) => {
      await child.register(larderPlugin, { cache: cache() })
    })
    expectOptionError(await readyError(a))
  })

  it('a bad route option', async () => {
    const a = app()
    await a.register(larderPlugin, { cache: cache() })
    let e: unknown
    try {
      a.get('/bad', { config: { cache: { ttl: 'forever' } } }, async () => 'x')
    } catch (error) {
      e = error
    }
    expectOptionError(e)
  })
})
