import { PREFIXES } from '../servers/fixtures.js'
import type { Workload } from '../load.js'
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

/** What one connection's request in flight is. */
interface InFlight {
  id: number
  put: boolean
  /** The newest version of the record whose PUT response had arrived when this request was sent. */
  floor: number
}

const VERSION = /"version":(\d+)/

/**
 * 90% GET / 10% PUT of /slow/users/:id, ids drawn by Zipf popularity. It counts stale reads: a GET
 * answered with an older version of the record than a PUT whose response arrived before the GET
 * was sent. A read that overlaps a write may return either version; one that starts after the
 * write was acknowledged must not return the old one.
 */
function mixedWorkload(): Workload {
  const random = prng(42)
  const id = zipf(KEYS, random)
  const acknowledged = new Map<number, number>()
  let sent = 0
  let reads = 0
  let stale = 0
  return {
    setupRequest(request, context) {
      sent++
      const c = context as InFlight
      c.put = random() < WRITE_SHARE
      c.id = id()
      c.floor = acknowledged.get(c.id) ?? 0
      return { ...request, method: c.put ? 'PUT' : 'GET', path: `/slow/users/${c.id}` }
    },
    onResponse(status, body, context) {
      if (status !== 200) return
      const c = context as InFlight
      const version = Number(VERSION.exec(body)?.[1] ?? Number.NaN)
      if (c.put) {
        if (version > (acknowledged.get(c.id) ?? 0)) acknowledged.set(c.id, version)
        return
      }
      reads++
      if (!(version >= c.floor)) stale++
    },
    counts: () => ({ sent, reads, stale }),
  }
}

const spec = (cache: 'larder' | 'apicache' | 'none'): Variant['spec'] => ({ framework: 'express', cache, store: 'memory' })

const VARIANTS: Variant[] = [
  { label: 'Express, no cache', spec: spec('none'), path: '/' },
  { label: 'larder-express (memory)', spec: spec('larder'), path: '/' },
  { label: 'apicache', spec: spec('apicache'), path: '/' },
]

export async function slowOrigin(ctx: Context): Promise<ScenarioResult> {
  const { seconds, rounds, connections } = ctx.profile.slowOrigin
  const results = await measureThroughput(ctx, VARIANTS, { seconds, rounds, connections, workload: mixedWorkload })
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '', '', '']
    const { sent = 0, reads = 0, stale = 0 } = m.counts
    const staleReads = `${stale.toLocaleString('en-US')} of ${reads.toLocaleString('en-US')} (${fmt.pct(reads > 0 ? stale / reads : 0)})`
    // Over requests sent, not responses received: those still in flight when a round ends reached the origin too.
    const originCalls = m.samples.reduce((n, s) => n + s.originPerSec * seconds, 0)
    return [m.variant.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), fmt.rps(m.originPerSec), fmt.pct(sent > 0 ? originCalls / sent : Number.NaN), staleReads]
  })
  return {
    id: 'slow-origin',
    title: '4. Slow origin, mixed reads and writes',
    about: `Every origin call (GET and PUT handler) waits ${DELAY_MS} ms like a database query. ${connections} connections send 90% GET / 10% PUT to /slow/users/1 … /slow/users/${KEYS}, ids drawn with Zipf (s = 1) popularity from a seeded generator. A PUT invalidates the resource (larder does it by itself; apicache is told with apicache.clear(url) in the handler). Writes always reach the origin, so origin calls cannot fall below about 10% of requests. Origin calls per request are over the requests sent in all rounds, counting those still in flight when a round ended, which reached the origin too. Every record carries a version that each write increments; the origin's reads return the version committed when they start. A read is stale when it returns an older version than a PUT whose response the load generator had received before sending the read (summed over all rounds): a cache that lets a read which overlapped a write store its old copy keeps serving it after the write was acknowledged.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'origin calls/s', 'origin calls per request', 'stale reads'], rows }],
    targets: [],
    notes: failureNotes(results),
  }
}
