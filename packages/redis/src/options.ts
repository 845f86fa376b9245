import { LarderOptionError, parseDuration, type Duration } from '@larder/core/store'
import { isCluster, type RedisClient } from './connection.js'

export interface RedisStoreOptions {
  /** A node-redis v5 client (`createClient`) or cluster (`createCluster`). The store never connects, quits or reconfigures it. */
  client: RedisClient
  /** Start of every key name (inside the hash tag). Default 'larder'. All processes sharing a cache use the same one. */
  prefix?: string
  /**
   * How many buckets (hash tags, so cluster slots) entries are spread over. Default 16 on a cluster,
   * 1 on a single node (where buckets spread nothing and would multiply invalidation marks). All
   * processes sharing a prefix must use the same number.
   */
  buckets?: number
  /** Commands allowed to await replies at once; beyond it calls fail at once instead of queueing. Default 5000. */
  maxInFlight?: number
  /** How long a command may wait in node-redis's queue before being written (it never waits while the client is disconnected). Default '1s'. */
  commandTimeout?: Duration
  /**
   * Upper bound on the variants (query strings, header values) kept for one path, split evenly over
   * the buckets; past it the variants that expire first go. It bounds what one path invalidation
   * removes, which Redis does in one script, so random query strings cannot block Redis. Default 1000.
   */
  maxVariantsPerPath?: number
}

export interface ResolvedRedisStoreOptions {
  client: RedisClient
  prefix: string
  buckets: number
  maxInFlight: number
  commandTimeoutMs: number
  maxVariantsPerPath: number
}

const KNOWN = ['client', 'prefix', 'buckets', 'maxInFlight', 'commandTimeout', 'maxVariantsPerPath']

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  return String(value)
}

function wholeNumber(value: unknown, name: string, min: number, max: number, example: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
  throw new LarderOptionError(name, `redisStore option "${name}" must be a whole number from ${min} to ${max} (for example redisStore({ client, ${name}: ${example} })); got ${describe(value)}`)
}

/** Validates redisStore's options once, at creation; errors name the option and show a valid call. */
export function resolveOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new LarderOptionError('options', `redisStore takes an options object such as redisStore({ client }) with a connected createClient() or createCluster(); got ${describe(options)}`)
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) throw new LarderOptionError(k, `unknown redisStore option "${k}"; valid options are ${KNOWN.join(', ')} (for example redisStore({ client, prefix: 'larder' }))`)
  }
  const client = options.client as unknown
  const c = client as { sendCommand?: unknown; on?: unknown } | null | undefined
  if (typeof c !== 'object' || c === null || typeof c.sendCommand !== 'function' || typeof c.on !== 'function') {
    throw new LarderOptionError('client', `redisStore option "client" must be a node-redis v5 client, for example const client = createClient({ url }); await client.connect(); redisStore({ client }); got ${describe(client)}`)
  }
  if (!isCluster(options.client) && typeof (client as { isReady?: unknown }).isReady !== 'boolean') {
    throw new LarderOptionError('client', `redisStore option "client" must come from node-redis v5 createClient() or createCluster() (for example redisStore({ client: createClient({ url }) })); this object has no isReady`)
  }
  const prefix = options.prefix ?? 'larder'
  if (typeof prefix !== 'string' || !/^[\w.:-]{1,64}$/.test(prefix)) {
    throw new LarderOptionError('prefix', `redisStore option "prefix" must be 1-64 characters of letters, digits, '.', ':', '_' or '-' (for example redisStore({ client, prefix: 'larder' })); got ${describe(prefix)}`)
  }
  const commandTimeoutMs = parseDuration(options.commandTimeout ?? '1s', 'commandTimeout')
  return {
    client: options.client,
    prefix,
    buckets: wholeNumber(options.buckets, 'buckets', 1, 1024, 16) ?? (isCluster(options.client) ? 16 : 1),
    maxInFlight: wholeNumber(options.maxInFlight, 'maxInFlight', 1, 1_000_000, 5000) ?? 5000,
    commandTimeoutMs,
    maxVariantsPerPath: wholeNumber(options.maxVariantsPerPath, 'maxVariantsPerPath', 1, 1_000_000, 1000) ?? 1000,
  }
}
