import { backendFromEnv, closeOnSignal, listenOptionsFromEnv } from '../../shared/src/server-env.js'
import { startApp } from './app.js'

// REDIS_URL unset: memory store and SQLite in memory. Set: a redisStore on that Redis (and with
// DB=redis, the database in it too), shared by every instance; see backendFromEnv.
const backend = await backendFromEnv()
const app = await startApp({ cache: backend.cache, openDb: backend.openDb, ...listenOptionsFromEnv(3000) })
console.log(`larder Express example listening on ${app.url} (try ${app.url}/users/1); ${backend.summary}`)
closeOnSignal(app, backend)
