/**
 * Invalidation across processes: `pnpm demo:instances`. Starts the Express example and the Fastify
 * example as two OS processes sharing one Redis (the cache: a redisStore; the database: the
 * Redis-backed users table), sends requests through one and then the other, and prints for each
 * what larder did. A PUT through Fastify invalidates, in Redis, what Express cached. Checks every
 * outcome it prints, exits 1 if one is not what it should be, and removes its Redis keys at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { redisStore } from './shared/src/larder.js'
import { connectRedis, displayUrl, redisUsersDbKeys, seedRedisUsersDb, type RedisClient } from './shared/src/redis-db.js'
import { bold, cacheColour, dim, pad, padLeft, red } from './shared/src/terminal.js'

const DB_DELAY_MS = 100
/** Sent with every request, to both instances, as a load balancer in front of them would: larder's cache key includes the host (with its port). */
const HOST = 'api.example.test'
const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
const prefix = `larder-demo-${randomBytes(4).toString('hex')}`
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')

let client: RedisClient
try {
  client = await connectRedis(url, 2000)
} catch (e) {
  console.error(`demo:instances needs Redis: ${(e as Error).message}. Start one (\`redis-server\`, or \`docker run -p 6379:6379 redis\`) or set REDIS_URL=redis://host:port.`)
  process.exit(1)
}

interface Instance {
  name: string
  url: string
  child: ChildProcess
}

const children: ChildProcess[] = []

/** Runs an example's server.ts as its own process and resolves once it listens. */
function start(name: string, dir: string): Promise<Instance> {
  const child = spawn(process.execPath, [tsxCli, '--conditions=source', fileURLToPath(new URL(`./${dir}/src/server.ts`, import.meta.url))], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', REDIS_URL: url, DB: 'redis', REDIS_PREFIX: prefix, DB_DELAY_MS: String(DB_DELAY_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start listening within 20 s:\n${output}`)), 20_000)
    const read = (chunk: Buffer): void => {
      output += chunk.toString()
      const m = /listening on (http:\/\/\S+)/.exec(output)
      if (m?.[1] === undefined) return
      clearTimeout(timer)
      // From here on, a child's output (errors included) goes through to ours.
      child.stdout.off('data', read)
      child.stdout.pipe(process.stdout)
      child.stderr.off('data', read)
      child.stderr.pipe(process.stderr)
      resolve({ name, url: m[1], child })
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${signal ?? code}) before listening:\n${output}`))
    })
  })
}

/** SIGTERM (server.ts closes the app, the cache and its Redis connection), SIGKILL after 5 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * Removes every key this run made: the database's two keys, the cache's entries and indexes (the
 * store's own clear()), and the buckets' epochs and the invalidation marks that the misses, clear()
 * and the PUT left. Those would expire on their own within about a minute; their names follow packages/redis/src/layout.ts
 * (`{<prefix>:<bucket>}:…` over redisStore's default 16 buckets).
 */
async function removeKeys(): Promise<void> {
  const cachePrefix = `${prefix}:cache`
  const store = redisStore({ client, prefix: cachePrefix })
  await store.clear()
  store.close()
  const marks = Array.from({ length: 16 }, (_, b) => `{${cachePrefix}:${b}}:`).flatMap((base) => [
    `${base}epoch`,
    `${base}mp:/users/1`,
    `${base}mp:/users`,
    `${base}mt:user:1`,
  ])
  const { users, lastId } = redisUsersDbKeys(`${prefix}:db`)
  await client.del([users, lastId, ...marks])
}

interface Result {
  status: number
  cache: string
  ms: number
  body: any
}

async function send(instance: Instance, method: 'GET' | 'PUT', path: string, json?: unknown): Promise<Result> {
  const t0 = performance.now()
  const res = await request(instance.url + path, {
    method,
    headers: { host: HOST, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await res.body.text()
  const xcache = res.headers['x-cache']
  return { status: res.statusCode, cache: typeof xcache === 'string' ? xcache : '-', ms: performance.now() - t0, body: text === '' ? undefined : JSON.parse(text) }
}

const failures: string[] = []

/**
 * One request, printed as a row. `expected` is what must happen (status, x-cache, and the name in
 * the body); a row that differs is marked and makes the demo exit 1.
 */
async function step(
  via: Instance,
  method: 'GET' | 'PUT',
  path: string,
  expected: { status: number; cache?: string; name: string },
  explain: (r: Result) => string,
  json?: unknown,
): Promise<void> {
  const r = await send(via, method, path, json)
  const wrong: string[] = []
  if (r.status !== expected.status) wrong.push(`status ${expected.status}`)
  if (expected.cache !== undefined && r.cache !== expected.cache) wrong.push(`x-cache ${expected.cache}`)
  if (r.body?.name !== expected.name) wrong.push(`name "${expected.name}"`)
  const request = `${method} ${path}`
  const note = wrong.length === 0 ? dim(explain(r)) : red(`UNEXPECTED: expected ${wrong.join(', ')}; got ${JSON.stringify(r.body)}`)
  if (wrong.length > 0) failures.push(`${request} via ${via.name}: expected ${wrong.join(', ')}`)
  console.log(`  ${pad(request, 14)} ${pad(via.name, 8)} ${pad(r.status, 6)} ${cacheColour(r.cache)(pad(r.cache, 7))} ${padLeft(Math.round(r.ms), 5)} ms  ${note}`)
}

let exitCode = 0
try {
  await seedRedisUsersDb(client, `${prefix}:db`)
  const [express, fastify] = await Promise.all([start('Express', 'express'), start('Fastify', 'fastify')])

  console.log()
  console.log(bold(`larder demo:instances: two processes, one Redis (${displayUrl(url)}), every database query delayed ${DB_DELAY_MS} ms`))
  console.log(dim(`  Express ${express.url} (pid ${express.child.pid}) and Fastify ${fastify.url} (pid ${fastify.child.pid}), each with its own Redis connection`))
  console.log(dim(`  cache: redisStore, prefix ${prefix}:cache; database: the users in Redis under ${prefix}:db`))
  console.log(dim(`  every request carries Host: ${HOST}, as behind one load balancer (the host is part of larder's cache key)`))
  console.log()
  console.log(dim(`  ${pad('request', 14)} ${pad('instance', 8)} ${pad('status', 6)} ${pad('x-cache', 7)} ${padLeft('time', 8)}  what happened`))

  const ada = 'Ada Lovelace'
  const renamed = { name: 'Ada King', email: 'ada.king@example.com' }
  await step(express, 'GET', '/users/1', { status: 200, cache: 'MISS', name: ada }, (r) => `first read: Express queried the database ("${r.body.name}") and stored the response in Redis`)
  await step(express, 'GET', '/users/1', { status: 200, cache: 'HIT', name: ada }, () => 'served from Redis: no handler, no query')
  await step(fastify, 'GET', '/users/1', { status: 200, cache: 'HIT', name: ada }, () => 'another process, asked for the first time: served the entry Express stored')
  await step(fastify, 'PUT', '/users/1', { status: 200, name: renamed.name }, (r) => `renamed to "${r.body.name}"; before the 200 went out, Fastify invalidated /users/1, /users and tag user:1 in Redis`, renamed)
  await step(express, 'GET', '/users/1', { status: 200, cache: 'MISS', name: renamed.name }, (r) => `Express's entry was gone: its handler ran again and read "${r.body.name}"`)
  // A fill reaches Redis as its response ends, so another process asked in that same instant may
  // still miss. Express's next read goes out on its Redis connection behind that write: once it
  // hits, the entry is there for every process.
  await step(express, 'GET', '/users/1', { status: 200, cache: 'HIT', name: renamed.name }, () => 'Express stored the new response in Redis and serves it from there')
  await step(fastify, 'GET', '/users/1', { status: 200, cache: 'HIT', name: renamed.name }, (r) => `and Fastify serves "${r.body.name}" from the entry Express just stored`)
  console.log()
  if (failures.length === 0) console.log(bold('every step as expected: an invalidation through one process reached the other through Redis'))
  else {
    console.log(red(bold(`${failures.length} step(s) not as expected:`)))
    for (const f of failures) console.log(red(`  ${f}`))
    exitCode = 1
  }
} catch (e) {
  console.error(red(`demo:instances failed: ${e instanceof Error ? e.message : String(e)}`))
  exitCode = 1
} finally {
  await Promise.all(children.map(stop))
  try {
    await removeKeys()
    console.log(dim(`stopped both instances; removed the keys under ${prefix}`))
  } catch (e) {
    console.error(red(`could not remove the keys under ${prefix}: ${e instanceof Error ? e.message : String(e)}`))
    exitCode = 1
  }
  await client.close()
}
process.exit(exitCode)
