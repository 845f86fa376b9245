import { randomBytes } from 'node:crypto'
import { createClient, createCluster } from 'redis'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { RedisCluster } from './redis-cluster.js'
import { onPath, RedisServer } from './redis-server.js'

/**
 * Which Redis a suite needs:
 *  - 'redis': any server: REDIS_URL, else a redis-server this process starts;
 *  - 'own-server': a redis-server this process starts (the suite kills, pauses or scans it);
 *  - 'cluster': REDIS_CLUSTER_URL (comma-separated node URLs), else a 3-master cluster this process starts;
 *  - 'own-cluster': a 3-master cluster this process starts (the suite kills its nodes or reads them directly).
 */
export type RedisNeed = 'redis' | 'own-server' | 'cluster' | 'own-cluster'

export interface RedisAvailability {
  ok: boolean
  /** Where the Redis comes from, or why there is none. */
  reason: string
}

function canSpawn(): string | undefined {
  if (!onPath('redis-server')) return 'redis-server is not on PATH'
  if (!onPath('redis-cli')) return 'redis-cli is not on PATH'
  return undefined
}

/** Decided synchronously, while suites are collected. */
export function redisAvailability(need: RedisNeed): RedisAvailability {
  if (need === 'redis' && process.env.REDIS_URL) return { ok: true, reason: `REDIS_URL=${process.env.REDIS_URL}` }
  if (need === 'cluster' && process.env.REDIS_CLUSTER_URL) return { ok: true, reason: `REDIS_CLUSTER_URL=${process.env.REDIS_CLUSTER_URL}` }
  const missing = canSpawn()
  if (missing === undefined) return { ok: true, reason: 'a redis-server started by the test' }
  const env =
    need === 'cluster'
      ? 'REDIS_CLUSTER_URL is not set'
      : need === 'redis'
        ? 'REDIS_URL is not set'
        : need === 'own-cluster'
          ? 'this suite starts its own cluster and kills its nodes'
          : 'this suite starts, kills and pauses its own server'
  return { ok: false, reason: `${env} and ${missing}` }
}

/**
 * `describe` for a suite that needs Redis. Without the Redis it needs, the suite is one failing
 * test saying why and how to provide it.
 */
export function describeRedis(name: string, need: RedisNeed, body: () => void): void {
  const availability = redisAvailability(need)
  if (availability.ok) {
    describe(name, body)
    return
  }
  const line = `larder: CANNOT RUN Redis suite "${name}": ${availability.reason}. Set REDIS_URL (REDIS_CLUSTER_URL for the cluster suite) or install redis-server and redis-cli.`
  // A skipped suite would prove nothing and pass quietly: a missing Redis is a failing test that says how to get one.
  describe(name, () => {
    it('has the Redis it needs', () => {
      throw new Error(line)
    })
  })
}

/** A key prefix no other test run uses, so suites can share one REDIS_URL server. */
export function uniquePrefix(label = 'test'): string {
  return `larder-${label}-${randomBytes(4).toString('hex')}`
}

/**
 * Registers beforeAll/afterAll in the enclosing describe around a resource; the answer gives the
 * resource inside tests and hooks (and throws before `setup` ran).
 */
function lifecycle<T>(what: string, setup: () => Promise<T>, teardown: (value: T) => unknown): () => T {
  let value: { v: T } | undefined
  beforeAll(async () => {
    value = { v: await setup() }
  }, 60_000)
  afterAll(async () => {
    if (value !== undefined) await teardown(value.v)
    value = undefined
  })
  return () => {
    if (value === undefined) throw new Error(`${what}: not ready (use it inside tests or hooks)`)
    return value.v
  }
}

export interface RedisHandle {
  readonly url: string
  /** The server this suite started, or undefined when REDIS_URL was given (need 'redis'). */
  readonly server: RedisServer | undefined
}

async function provideRedis(need: 'redis' | 'own-server'): Promise<RedisHandle> {
  if (need === 'redis' && process.env.REDIS_URL) return { url: process.env.REDIS_URL, server: undefined }
  const server = await RedisServer.start()
  return { url: server.url, server }
}

/** A Redis for the enclosing describe: REDIS_URL, else a redis-server started for it (need 'redis'). */
export function useRedis(): RedisHandle {
  const get = lifecycle('useRedis()', () => provideRedis('redis'), (r) => r.server?.destroy())
  return {
    get url() {
      return get().url
    },
    get server() {
      return get().server
    },
  }
}

/** A redis-server started for the enclosing describe, which may kill, pause or scan it (need 'own-server'). */
export function useOwnRedisServer(): { readonly server: RedisServer } {
  const get = lifecycle('useOwnRedisServer()', () => RedisServer.start(), (server) => server.destroy())
  return {
    get server() {
      return get()
    },
  }
}

/**
 * A cluster for the enclosing describe. With need 'cluster', `cluster` is undefined when
 * REDIS_CLUSTER_URL names one; with 'own-cluster' the harness always starts it, so it is defined.
 */
export function useRedisCluster(need: 'cluster' | 'own-cluster' = 'cluster'): { readonly rootNodes: Array<{ url: string }>; readonly cluster: RedisCluster | undefined } {
  const get = lifecycle(
    'useRedisCluster()',
    async () => {
      if (need === 'cluster' && process.env.REDIS_CLUSTER_URL) return { rootNodes: process.env.REDIS_CLUSTER_URL.split(',').map((url) => ({ url: url.trim() })), cluster: undefined }
      const cluster = await RedisCluster.start(3)
      return { rootNodes: cluster.rootNodes, cluster }
    },
    (c) => c.cluster?.stop(),
  )
  return {
    get rootNodes() {
      return get().rootNodes
    },
    get cluster() {
      return get().cluster
    },
  }
}

/** useRedis (or, with 'own-server', useOwnRedisServer) plus a connected client with the recommended settings. */
export function useRedisClient(need: 'redis' | 'own-server' = 'redis'): RedisHandle & { readonly client: TestRedisClient } {
  const get = lifecycle(
    'useRedisClient()',
    async () => {
      const redis = await provideRedis(need)
      return { ...redis, client: (await connectRedis(redis.url)).client }
    },
    async (r) => {
      closeRedis(r.client)
      await r.server?.destroy()
    },
  )
  return {
    get url() {
      return get().url
    },
    get server() {
      return get().server
    },
    get client() {
      return get().client
    },
  }
}

/** useRedisCluster plus a connected cluster client with the recommended settings. */
export function useRedisClusterClient(need: 'own-cluster'): { readonly client: TestRedisCluster; readonly cluster: RedisCluster }
export function useRedisClusterClient(need?: 'cluster'): { readonly client: TestRedisCluster; readonly cluster: RedisCluster | undefined }
export function useRedisClusterClient(need: 'cluster' | 'own-cluster' = 'cluster'): { readonly client: TestRedisCluster; readonly cluster: RedisCluster | undefined } {
  const redis = useRedisCluster(need)
  const get = lifecycle('useRedisClusterClient()', async () => (await connectRedisCluster(redis.rootNodes)).client, closeRedis)
  return {
    get client() {
      return get()
    },
    get cluster() {
      return redis.cluster
    },
  }
}

/**
 * The client settings the @larder/redis README recommends: commands fail at once while
 * disconnected, reconnection is retried forever with a capped delay, connecting gives up quickly.
 */
export const recommendedClientOptions = {
  disableOfflineQueue: true,
  socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 + retries * 50, 500) },
} as const

export type TestRedisClient = ReturnType<typeof createClient>
export type TestRedisCluster = ReturnType<typeof createCluster>

/**
 * A client with the recommended settings and an error listener that keeps the errors (a test kills
 * servers on purpose). `connect: false` leaves connecting to the caller (for "Redis down at start").
 */
export async function connectRedis(url: string, options: { connect?: boolean } = {}): Promise<{ client: TestRedisClient; errors: Error[] }> {
  const errors: Error[] = []
  const client = createClient({ url, ...recommendedClientOptions })
  client.on('error', (e: Error) => errors.push(e))
  if (options.connect ?? true) await client.connect()
  return { client, errors }
}

export async function connectRedisCluster(rootNodes: Array<{ url: string }>): Promise<{ client: TestRedisCluster; errors: Error[] }> {
  const errors: Error[] = []
  const client = createCluster({ rootNodes, defaults: recommendedClientOptions })
  client.on('error', (e: Error) => errors.push(e))
  await client.connect()
  return { client, errors }
}

/** Closes a client whatever state it is in (destroy never waits for a dead server). */
export function closeRedis(client: { destroy(): void; isOpen: boolean }): void {
  if (client.isOpen) client.destroy()
}
