import { createCache } from '@larder/core'
import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'

// Routes the plugin never saw are neither cached nor invalidate: that is told, with the fix.

const apps: FastifyInstance[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const app of apps.splice(0)) await app.close()
})

async function warningsOf(build: (app: FastifyInstance) => Promise<void> | void): Promise<string[]> {
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
  const app = Fastify()
  apps.push(app)
  await build(app)
  await app.ready()
  return warn.mock.calls.map((call) => `${(call[1] as { code?: string } | undefined)?.code}: ${String(call[0])}`).filter((m) => m.startsWith('LARDER_'))
}

const config = { cache: { tags: ['users'] } }

describe('plugin placement', () => {
  it('warns when the plugin is registered after the routes, naming them and the fix', async () => {
    const warnings = await warningsOf(async (app) => {
      app.get('/users/:id', { config }, async () => ({ ok: true }))
      app.put('/users/:id', async () => ({ ok: true }))
      await app.register(larderPlugin, { cache: createCache() })
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^LARDER_PLUGIN_AFTER_ROUTES: \d route\(s\) were registered before the larder plugin loaded/)
    expect(warnings[0]).toMatch(/[(;] ?[A-Z,]*GET[A-Z,]* \/users\/:id/)
    expect(warnings[0]).toMatch(/[(;] ?[A-Z,]*PUT[A-Z,]* \/users\/:id/)
    expect(warnings[0]).toContain('await app.register(larderPlugin, { cache })')
  })

  it('warns when the plugin is registered without await before the routes', async () => {
    const warnings = await warningsOf((app) => {
      void app.register(larderPlugin, { cache: createCache() })
      app.get('/users/:id', { config }, async () => ({ ok: true }))
    })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('GET,HEAD /users/:id')
  })

  it('says nothing when the plugin is awaited before the routes', async () => {
    const warnings = await warningsOf(async (app) => {
      await app.register(larderPlugin, { cache: createCache() })
      app.get('/users/:id', { config }, async () => ({ ok: true }))
      app.put('/users/:id', async () => ({ ok: true }))
    })
    expect(warnings).toEqual([])
  })

  it('looks only at its own prefix when registered in an encapsulated context', async () => {
    const warnings = await warningsOf(async (app) => {
      app.get('/health', async () => 'ok')
      await app.register(
        async (api) => {
          await api.register(larderPlugin, { cache: createCache() })
          api.get('/users/:id', { config }, async () => ({ ok: true }))
        },
        { prefix: '/api' },
      )
    })
    expect(warnings).toEqual([])
  })
})
