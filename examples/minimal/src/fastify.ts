import Fastify from 'fastify'
import { createCache } from '@larder/core'
import larderPlugin, { cacheRoute } from '@larder/fastify'

const users = new Map([['42', { id: '42', name: 'Ada' }]]) // stands in for your database
interface UserRoute { Params: { id: string }; Body: { name: string } } // for the handlers and cacheRoute

const app = Fastify()
// Awaited, before the routes: the plugin reads each route's config.cache as the route is added.
await app.register(larderPlugin, { cache: createCache({ ttl: '5m' }), global: true })

app.get<UserRoute>('/users/:id', { config: { cache: cacheRoute<UserRoute>({ ttl: '1h', tags: (req) => [`user:${req.params.id}`] }) } }, async (req, reply) => {
  return users.get(req.params.id) ?? reply.code(404).send({ error: 'no such user' })
})
app.put<UserRoute>('/users/:id', { config: { cache: cacheRoute<UserRoute>({ invalidates: (req) => [`user:${req.params.id}`] }) } }, async (req) => {
  users.set(req.params.id, { id: req.params.id, name: req.body.name })
  return users.get(req.params.id)
})
app.get('/live', { config: { cache: false } }, async () => ({ now: Date.now() })) // opted out: never cached

const port = Number(process.env.PORT ?? 3000)
await app.listen({ port })
console.log(`http://localhost:${port}/users/42 (the cache: app.larder)`)
