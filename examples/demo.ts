/**
 * A scripted walkthrough of larder in front of a slow database: `pnpm demo` (Express) or
 * `pnpm demo --fastify`. Starts the example in-process on a free port, makes requests, and prints
 * for each what larder did (x-cache), how long it took and how many database queries ran.
 */
import { inspect } from 'node:util'
import { createCache, memoryStore } from './shared/src/larder.js'
import { bold, cacheColour, dim, pad, padLeft, tty } from './shared/src/terminal.js'
import type { ListenOptions, RunningApp } from './shared/src/users-api.js'

const QUERY_DELAY_MS = 150
const useFastify = process.argv.slice(2).includes('--fastify')
const framework = useFastify ? 'Fastify' : 'Express'
const { startApp }: { startApp: (o: ListenOptions) => Promise<RunningApp> } = useFastify ? await import('./fastify/src/app.js') : await import('./express/src/app.js')

const cache = createCache({ store: memoryStore({ maxBytes: 64 * 1024 * 1024 }), ttl: '5m' })
let queries = 0
const app = await startApp({ cache, queryDelayMs: QUERY_DELAY_MS, onQuery: () => queries++ })

interface Result {
  status: number
  cache: string
  ms: number
  queries: number
  invalidated: number
  body: any
}

async function send(method: string, path: string, json?: unknown): Promise<Result> {
  const q0 = queries
  const inv0 = cache.stats().invalidatedEntries
  const t0 = performance.now()
  const res = await fetch(app.url + path, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  })
  const text = await res.text()
  const ms = performance.now() - t0
  return {
    status: res.status,
    cache: res.headers.get('x-cache') ?? '-',
    ms,
    queries: queries - q0,
    invalidated: cache.stats().invalidatedEntries - inv0,
    body: text === '' ? undefined : JSON.parse(text),
  }
}

function line(request: string, status: string, xcache: string, ms: number, dbQueries: number, explanation: string): void {
  console.log(`  ${pad(request, 26)} ${pad(status, 6)} ${cacheColour(xcache)(pad(xcache, 16))} ${padLeft(Math.round(ms), 5)} ms  ${pad(`db +${dbQueries}`, 6)} ${dim(explanation)}`)
}

/** One request, printed; `explain` turns its result into the last column. */
async function step(method: string, path: string, explain: (r: Result) => string, json?: unknown): Promise<Result> {
  const r = await send(method, path, json)
  line(`${method} ${path}`, String(r.status), r.cache, r.ms, r.queries, explain(r))
  return r
}

console.log(bold(`larder demo: the ${framework} example on ${app.url}, every database query delayed ${QUERY_DELAY_MS} ms`))
console.log(dim(`  wiring: global caching; GET /users/:id tagged user:<id>; PUT/DELETE /users/:id invalidate user:<id> (plus their path and /users)`))
console.log()
console.log(dim(`  ${pad('request', 26)} ${pad('status', 6)} ${pad('x-cache', 16)} ${padLeft('time', 8)}  ${pad('db', 6)} what happened`))

await step('GET', '/users/1', () => 'first read (and first connection): the handler ran the query; larder stored the response')
await step('GET', '/users/1', () => 'served from the cache: no handler, no query')
await step('GET', '/users', () => 'the collection is an entry of its own')
await step('GET', '/users', () => 'served from the cache')
await step('PUT', '/users/1', (r) => `renamed to "${r.body.name}"; before the 200 went out, larder invalidated /users/1, /users and tag user:1: ${r.invalidated} entries removed`, {
  name: 'Ada King',
  email: 'ada.king@example.com',
})
await step('GET', '/users/1', (r) => `the entry was gone, so the handler ran again: name is now "${r.body.name}"`)
await step('GET', '/users', (r) => `the list was invalidated too: first user is now "${r.body[0].name}"`)
await step('GET', '/users/99', () => 'no such user')
await step('GET', '/users/99', () => 'a 404 is not stored (only 200s are, by default): the query ran again')

const inv0 = cache.stats().invalidatedEntries
const removed = await cache.invalidate({ tags: ['user:1'] })
console.log(`  ${bold("cache.invalidate({ tags: ['user:1'] })")} ${dim(`removed ${removed} entry (invalidatedEntries +${cache.stats().invalidatedEntries - inv0}), as code that changes a user outside HTTP would`)}`)

const coalesced0 = cache.stats().coalesced
const q0 = queries
const t0 = performance.now()
const burst = await Promise.all(Array.from({ length: 20 }, () => send('GET', '/users/1')))
const count = (v: string): number => burst.filter((r) => r.cache === v).length
const statuses = [...new Set(burst.map((r) => r.status))].join(',')
line(
  '20 x GET /users/1 at once',
  statuses,
  `${count('MISS')} MISS + ${count('HIT')} HIT`,
  performance.now() - t0,
  queries - q0,
  `the handler ran once; ${cache.stats().coalesced - coalesced0} requests waited for its response instead of querying`,
)
await step('GET', '/users/1', () => 'and the entry it stored serves the next reader')

console.log()
console.log(bold('cache.stats():'))
console.log(inspect(cache.stats(), { colors: tty, breakLength: 100 }))

await app.close()
await cache.close()
