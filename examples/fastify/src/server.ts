import { createCache, memoryStore } from '@larder/core'
import { closeOnSignal, listenOptionsFromEnv } from '../../shared/src/server-env.js'
import { startApp } from './app.js'

const cache = createCache({ store: memoryStore({ maxBytes: 64 * 1024 * 1024 }), ttl: '5m' })
const app = await startApp({ cache, ...listenOptionsFromEnv(3001) })
console.log(`larder Fastify example listening on ${app.url} (try ${app.url}/users/1)`)
closeOnSignal(app, cache)
