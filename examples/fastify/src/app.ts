import larderPlugin from '@larder/fastify'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { openUsersDb } from '../../shared/src/db.js'
import { urlOf, usersApi, userTags, type AppOptions, type ListenOptions, type Reply, type RunningApp } from '../../shared/src/users-api.js'

type IdRoute = { Params: { id: string } }

function send(reply: FastifyReply, r: Reply): FastifyReply {
  if (r.location !== undefined) void reply.header('location', r.location)
  return reply.code(r.status).send(r.body)
}

/** The users API as a Fastify app, cached by larder; not listening yet. Closing the app closes the database. */
export async function createApp({ cache, openDb = openUsersDb, ...dbOptions }: AppOptions): Promise<FastifyInstance> {
  const db = await openDb(dbOptions)
  const users = usersApi(db)
  const app = Fastify()
  app.addHook('onClose', async () => db.close())

  // Every GET/HEAD route is cached; every successful POST/PUT/PATCH/DELETE invalidates its path and
  // its parent collection (PUT /users/1 → /users/1 and /users). Registered (and awaited) before the
  // routes, so its onRoute hook sees them.
  await app.register(larderPlugin, { cache, global: true })

  app.get('/users', async (_req, reply) => send(reply, await users.list()))
  app.post('/users', async (req, reply) => send(reply, await users.create(req.body)))
  // This route's entries are tagged user:<id>…
  app.get<IdRoute>('/users/:id', { config: { cache: { ttl: '1h', tags: userTags } } }, async (req, reply) => send(reply, await users.get(req.params.id)))
  // …and writes to a user also invalidate the tag, whatever URL the entry was cached under.
  app.put<IdRoute>('/users/:id', { config: { cache: { invalidates: userTags } } }, async (req, reply) => send(reply, await users.update(req.params.id, req.body)))
  app.delete<IdRoute>('/users/:id', { config: { cache: { invalidates: userTags } } }, async (req, reply) => send(reply, await users.remove(req.params.id)))
  return app
}

/** Creates the app and listens (port 0 by default: any free port). */
export async function startApp({ port = 0, host = '127.0.0.1', ...options }: ListenOptions): Promise<RunningApp> {
  const app = await createApp(options)
  await app.listen({ port, host })
  return { url: urlOf(app.server.address()), close: () => app.close() }
}
