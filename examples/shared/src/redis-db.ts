import { createClient } from 'redis'
import { queryRunner, SEED, type User, type UserInput, type UsersDb, type UsersDbOptions } from './db.js'

/** A node-redis v5 client, as `createClient({ url })` returns it. */
export type RedisClient = ReturnType<typeof createClient>

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return url
  }
}

/**
 * A connected client with the settings @larder/redis recommends (commands fail at once while
 * disconnected instead of queueing; reconnection retried with a capped delay). Rejects if it is not
 * connected within `timeoutMs`: node-redis alone would go on retrying forever.
 */
export async function connectRedis(url: string, timeoutMs = 2000): Promise<RedisClient> {
  const client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: timeoutMs, reconnectStrategy: (retries) => Math.min(50 + retries * 50, 500) } })
  let lastError = ''
  let connected = false
  let down = false
  client.on('error', (e: unknown) => {
    lastError = e instanceof Error ? e.message : String(e)
    // Once connected, one line per outage (the redis store fails open meanwhile: requests bypass the cache).
    if (!connected || down) return
    down = true
    console.error(`redis ${displayUrl(url)}: ${lastError} (reconnecting)`)
  })
  client.on('ready', () => {
    down = false
  })
  let timer: NodeJS.Timeout | undefined
  const connecting = client.connect()
  try {
    await Promise.race([
      connecting,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
      }),
    ])
    connected = true
    return client
  } catch (e) {
    connecting.catch(() => {})
    client.destroy()
    const why = lastError || (e instanceof Error ? e.message : String(e))
    throw new Error(`cannot connect to Redis at ${displayUrl(url)} within ${timeoutMs} ms (${why})`, { cause: e })
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The two keys of a Redis-backed users database: a hash of users (field: id, value: JSON
 * `{name, email}`) and the last id handed out. Whoever created the database can DEL exactly these.
 */
export function redisUsersDbKeys(prefix: string): { users: string; lastId: string } {
  return { users: `${prefix}:users`, lastId: `${prefix}:last-id` }
}

// Seeds the users only if the database does not exist yet (its last id is not set), atomically, so
// processes opening it at the same time seed it once.
const SEED_SCRIPT = `
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`

// Replaces a user only if it exists (a PUT does not create): 1 if it did.
const UPDATE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`

const encode = (input: UserInput): string => JSON.stringify({ name: input.name, email: input.email })

function decode(id: number | string, value: string): User {
  const { name, email } = JSON.parse(value) as UserInput
  return { id: Number(id), name, email }
}

/** Creates the database under `prefix` holding the seed users (ids 1 to 4), unless it exists. Whether it seeded. */
export async function seedRedisUsersDb(client: RedisClient, prefix: string): Promise<boolean> {
  const { users, lastId } = redisUsersDbKeys(prefix)
  const fields = SEED.flatMap((u, i) => [String(i + 1), encode(u)])
  return (await client.eval(SEED_SCRIPT, { keys: [users, lastId], arguments: [String(SEED.length), ...fields] })) === 1
}

/**
 * The users table kept in Redis under `prefix` (seeded on first open), so every process opening it
 * on the same Redis sees the same users: what two app instances behind one cache need. Same
 * interface, query delay and `onQuery` hook as the sql.js database; `onQuery` gets the Redis
 * commands. The client stays the caller's: `close()` does not close it.
 */
export async function openRedisUsersDb(client: RedisClient, prefix: string, options: UsersDbOptions = {}): Promise<UsersDb> {
  const run = queryRunner(options)
  const { users, lastId } = redisUsersDbKeys(prefix)
  await seedRedisUsersDb(client, prefix)

  return {
    list: () =>
      run(`HGETALL ${users}`, async () => {
        const all = await client.hGetAll(users)
        return Object.entries(all)
          .map(([id, value]) => decode(id, value))
          .sort((a, b) => a.id - b.id)
      }),
    get: (id) =>
      run(`HGET ${users} ${id}`, async () => {
        const value = await client.hGet(users, String(id))
        return value === null ? undefined : decode(id, value)
      }),
    create: (input) =>
      run(`INCR ${lastId}; HSET ${users} <id>`, async () => {
        const id = await client.incr(lastId)
        await client.hSet(users, String(id), encode(input))
        return { id, name: input.name, email: input.email }
      }),
    update: (id, input) =>
      run(`HSET ${users} ${id} (if it exists)`, async () => {
        const updated = await client.eval(UPDATE_SCRIPT, { keys: [users], arguments: [String(id), encode(input)] })
        return updated === 1 ? { id, name: input.name, email: input.email } : undefined
      }),
    remove: (id) => run(`HDEL ${users} ${id}`, async () => (await client.hDel(users, String(id))) > 0),
    close: () => {},
  }
}
