import { createCache, memoryStore, type Cache } from '@larder/core'
import { redisStore } from '@larder/redis'
import type { UsersDbOptions } from './db.js'
import { connectRedis, displayUrl, openRedisUsersDb } from './redis-db.js'
import type { AppOptions, RunningApp } from './users-api.js'

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, 0 or more; got "${raw}"`)
  return n
}

/** Where and how server.ts listens: PORT (default `defaultPort`), HOST (default 127.0.0.1), DB_DELAY_MS (default 0). */
export function listenOptionsFromEnv(defaultPort: number): { port: number; host: string; queryDelayMs: number } {
  return {
    port: numberFromEnv('PORT', defaultPort),
    host: process.env.HOST || '127.0.0.1',
    queryDelayMs: numberFromEnv('DB_DELAY_MS', 0),
  }
}

/** The cache and database a server.ts runs with, chosen by the environment. */
export interface Backend {
  cache: Cache
  /** Undefined: the app's default, SQLite in memory. */
  openDb: AppOptions['openDb']
  /** What was chosen, for the startup line. */
  summary: string
  /** Closes the cache, then the Redis connection if there is one. */
  close(): Promise<void>
}

/**
 * Without REDIS_URL: a memory store and SQLite in memory, both this process's own. With REDIS_URL:
 * the cache is a redisStore on that Redis under `<REDIS_PREFIX>:cache`, shared by every process
 * using the same prefix, so a write through one invalidates for all; with DB=redis too the database
 * is the Redis-backed one under `<REDIS_PREFIX>:db` (REDIS_PREFIX default 'larder-example').
 */
export async function backendFromEnv(): Promise<Backend> {
  const url = process.env.REDIS_URL || undefined
  const db = process.env.DB || 'sqlite'
  if (db !== 'sqlite' && db !== 'redis') throw new Error(`DB must be "sqlite" (the default) or "redis"; got "${db}"`)
  if (url === undefined) {
    if (db === 'redis') throw new Error('DB=redis needs REDIS_URL, the Redis the database lives in (e.g. REDIS_URL=redis://127.0.0.1:6379)')
    const cache = createCache({ store: memoryStore({ maxBytes: 64 * 1024 * 1024 }), ttl: '5m' })
    return { cache, openDb: undefined, summary: 'cache: memory store; database: SQLite in memory', close: () => cache.close() }
  }
  const prefix = process.env.REDIS_PREFIX || 'larder-example'
  const client = await connectRedis(url)
  const cache = createCache({ store: redisStore({ client, prefix: `${prefix}:cache` }), ttl: '5m' })
  return {
    cache,
    openDb: db === 'redis' ? (options: UsersDbOptions) => openRedisUsersDb(client, `${prefix}:db`, options) : undefined,
    summary: `cache: redis store on ${displayUrl(url)} prefix ${prefix}:cache; database: ${db === 'redis' ? `Redis, prefix ${prefix}:db` : 'SQLite in memory'}`,
    close: async () => {
      await cache.close()
      await client.close()
    },
  }
}

/** On Ctrl-C or SIGTERM: stop taking requests, then close the backend (the cache, then its Redis connection if any). */
export function closeOnSignal(app: RunningApp, backend: { close(): Promise<void> }): void {
  const stop = (): void => {
    void app.close().then(() => backend.close())
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
