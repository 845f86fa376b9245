import { larder } from '@larder/express'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { openUsersDb, type UsersDb } from '../../shared/src/db.js'
import { usersApi, userTags, type AppOptions, type ListenOptions, type Reply, type RunningApp, urlOf } from '../../shared/src/users-api.js'

function send(res: Response, reply: Reply): void {
  if (reply.location !== undefined) res.location(reply.location)
  res.status(reply.status)
  if (reply.body === undefined) res.end()
  else res.json(reply.body)
}

/** The users API as an Express app, cached by larder; not listening yet. The database is in `app.locals.db`. */
export async function createApp({ cache, openDb = openUsersDb, ...dbOptions }: AppOptions): Promise<Express> {
  const db = await openDb(dbOptions)
  const users = usersApi(db)
  const app = express()
  app.locals.db = db

  // Every GET/HEAD is cached; every successful POST/PUT/PATCH/DELETE invalidates its path and its
  // parent collection (PUT /users/1 → /users/1 and /users).
  app.use(larder(cache))
  app.use(express.json())

  app.get('/users', async (_req, res) => send(res, await users.list()))
  app.post('/users', async (req, res) => send(res, await users.create(req.body)))
  // A route-level larder takes over from the global one: this entry is tagged user:<id>…
  app.get('/users/:id', larder(cache, { ttl: '1h', tags: userTags }), async (req, res) => send(res, await users.get(req.params.id)))
  // …and writes to a user also invalidate the tag, whatever URL the entry was cached under.
  app.put('/users/:id', larder(cache, { invalidates: userTags }), async (req, res) => send(res, await users.update(req.params.id, req.body)))
  app.delete('/users/:id', larder(cache, { invalidates: userTags }), async (req, res) => send(res, await users.remove(req.params.id)))

  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? 500
    if (status >= 500) console.error(err)
    res.status(status).json({ error: status >= 500 ? 'internal error' : err.message })
  })
  return app
}

/** Creates the app and listens (port 0 by default: any free port). */
export async function startApp({ port = 0, host = '127.0.0.1', ...options }: ListenOptions): Promise<RunningApp> {
  const app = await createApp(options)
  const server = app.listen(port, host)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  return {
    url: urlOf(server.address()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          ;(app.locals.db as UsersDb).close()
          if (err) reject(err)
          else resolve()
        })
        server.closeAllConnections()
      }),
  }
}
