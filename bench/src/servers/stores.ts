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

/** Every key of the benchmark's larder stores starts with this hash tag (`{prefix:bucket}:`). */
export const BENCH_KEYS = '{larder-bench*'

/** What removeKeys needs of a node-redis client. */
export interface KeyScanner {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>
  unlink(keys: string[]): Promise<number>
}

/**
 * Deletes the keys matching `pattern` (entries, indexes, invalidation marks, epochs), so a run
 * leaves nothing behind in the benchmark database. Answers how many were deleted.
 */
export async function removeKeys(client: KeyScanner, pattern: string): Promise<number> {
  let removed = 0
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) {
    if (keys.length > 0) removed += await client.unlink(keys)
  }
  return removed
}

/** Removes what the run left in the benchmark database; a Redis that cannot be reached holds nothing of ours. */
export async function cleanBenchDatabase(): Promise<void> {
  let client: RedisClientType | undefined
  try {
    const { createClient } = await import('redis')
    client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } })
    client.on('error', () => undefined)
    await client.connect()
    await removeKeys(client as unknown as KeyScanner, BENCH_KEYS)
  } catch {
    // no Redis: the Redis scenarios were skipped, and there is nothing to clean
  } finally {
    if (client?.isOpen) client.destroy()
  }
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
