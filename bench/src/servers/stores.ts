import { createCache, memoryStore, type Cache, type Store } from '@larder/core'
import type { RedisClientType } from 'redis'
import type { ServerSpec } from './spec.js'
import { REDIS_URL } from './spec.js'

/** Resources a server holds open, released when it is told to stop. */
export const closers: Array<() => Promise<unknown>> = []

/** Connects a node-redis v5 client to the benchmark database. */
export async function connectRedis(): Promise<RedisClientType> {
  // Loaded on demand: most variants never touch Redis, and node-redis takes a while to load.
  const { createClient } = await import('redis')
  const client: RedisClientType = createClient({ url: REDIS_URL })
  client.on('error', (e: unknown) => console.error('redis client:', e instanceof Error ? e.message : e))
  await client.connect()
  return client
}

/** `@larder/redis` if it can be loaded (it is optional for the benchmark). */
export async function loadRedisStore(): Promise<((options: { client: any; prefix?: string }) => Store) | undefined> {
  try {
    const mod = (await import('@larder/redis')) as { redisStore?: (options: { client: any; prefix?: string }) => Store }
    return typeof mod.redisStore === 'function' ? mod.redisStore : undefined
  } catch {
    return undefined
  }
}

/** The larder cache a server variant uses: the memory store, or @larder/redis on the benchmark Redis. */
export async function larderCache(spec: ServerSpec): Promise<Cache> {
  const statusHeader = spec.statusHeader
  if (spec.store !== 'redis') return createCache({ store: memoryStore({ maxBytes: 512 * 1024 * 1024 }), ttl: '5m', statusHeader })
  const redisStore = await loadRedisStore()
  if (redisStore === undefined) throw new Error('@larder/redis not available')
  const client = await connectRedis()
  const cache = createCache({ store: redisStore({ client, prefix: spec.redisPrefix ?? 'larder-bench' }), ttl: '5m', statusHeader })
  closers.push(async () => {
    await cache.store.clear()
    await cache.close()
    await client.quit()
  })
  return cache
}
