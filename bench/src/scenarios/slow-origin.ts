import type autocannon from 'autocannon'
import { PREFIXES } from '../servers/fixtures.js'
import { fmt, measureThroughput, type Variant } from '../throughput.js'
import type { Context, ScenarioResult } from '../model.js'
import { failureNotes } from './hit-memory.js'

const KEYS = 1000
const WRITE_SHARE = 0.1
const DELAY_MS = PREFIXES['/slow']

/** mulberry32: a small seeded PRNG, so every run draws the same request sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Draws ids 1..n with Zipf (s = 1) popularity: id k is k times less popular than id 1. */
function zipf(n: number, random: () => number): () => number {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k
  return () => {
    const x = random() * sum
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo + 1
  }
}

/** 90% GET / 10% PUT of /slow/users/:id, ids drawn by Zipf popularity. */
function mixedWorkload(): (request: autocannon.Request) => autocannon.Request {
  const random = prng(42)
  const id = zipf(KEYS, random)
  return (request) => ({ ...request, method: random() < WRITE_SHARE ? 'PUT' : 'GET', path: `/slow/users/${id()}` })
}

const spec = (cache: 'larder' | 'apicache' | 'none'): Variant['spec'] => ({ framework: 'express', cache, store: 'memory' })

const VARIANTS: Variant[] = [
  { label: 'Express, no cache', spec: spec('none'), path: '/' },
  { label: 'larder-express (memory)', spec: spec('larder'), path: '/' },
  { label: 'apicache', spec: spec('apicache'), path: '/' },
]

export async function slowOrigin(ctx: Context): Promise<ScenarioResult> {
  const { seconds, rounds, connections } = ctx.profile.slowOrigin
  const results = await measureThroughput(ctx, VARIANTS, { seconds, rounds, connections, setupRequest: mixedWorkload() })
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '', '']
    return [m.variant.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), fmt.rps(m.originPerSec), fmt.pct(m.originPerSec / m.rps)]
  })
  return {
    id: 'slow-origin',
    title: '4. Slow origin, mixed reads and writes',
    about: `Every origin call (GET and PUT handler) waits ${DELAY_MS} ms like a database query. ${connections} connections send 90% GET / 10% PUT to /slow/users/1 … /slow/users/${KEYS}, ids drawn with Zipf (s = 1) popularity from a seeded generator. A PUT invalidates the resource (larder does it by itself; apicache is told with apicache.clear(url) in the handler). Writes always reach the origin, so origin calls cannot fall below about 10% of requests.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'origin calls/s', 'origin calls per request'], rows }],
    targets: [],
    notes: failureNotes(results),
  }
}
