/**
 * What a cache hit costs when its freshness and headers are decided by http-cache-semantics (the
 * well-kept library for RFC 9111) instead of larder's own hit path, in one process and one run:
 * `tsx header-semantics.ts [iterations]`. Prints a JSON HeaderSemanticsResult.
 *
 * larder: `cache.handle` for a stored GET (key, lookup, freshness, conditional check) plus
 * `replayHeaders`. http-cache-semantics: the same lookup, then what a cache built on it does per
 * hit: revive the stored policy (`CachePolicy.fromObject`), `satisfiesWithoutRevalidation(request)`
 * and `responseHeaders()`, which parse the stored and request headers every time.
 */
import { createCache, memoryStore } from '@larder/core'
import { replayHeaders, type HeaderSink, type HeaderValue } from '@larder/core/adapter'
import CachePolicy from 'http-cache-semantics'
import { userRecord } from '../servers/fixtures.js'

export interface HeaderSemanticsResult {
  iterations: number
  larderNsPerHit: number
  libraryNsPerHit: number
  /** What the library adds to every hit, in ns. */
  addedNs: number
}

/** Collects replayed headers into a plain object (no response to write to). */
const OBJECT_SINK: HeaderSink<Record<string, HeaderValue>> = {
  has: () => false,
  set: (out, name, value) => {
    out[name] = value
  },
}

const request = {
  method: 'GET',
  url: '/users/1',
  headers: { host: 'api.example.test', accept: 'application/json', 'user-agent': 'bench', 'accept-encoding': 'gzip, br' },
}
const responseHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300', etag: '"abc123"' }

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 200_000)
  const cache = createCache({ store: memoryStore() })
  const route = cache.route(undefined, 'bench')
  const info = { method: 'GET', url: request.url, headers: request.headers, host: request.headers.host, raw: {} }
  // Fill the entry the normal way, so the hit path is exactly what a server runs.
  const miss = await cache.handle(info, route)
  if (miss.kind !== 'miss' || miss.fill === undefined) throw new Error(`expected a miss, got ${miss.kind}`)
  miss.fill.start(200, responseHeaders)
  miss.fill.push(Buffer.from(JSON.stringify(userRecord('1'))))
  if (!(await miss.fill.finish(responseHeaders))) throw new Error('the entry was not stored')
  const stored = new CachePolicy(request, { status: 200, headers: responseHeaders }, { shared: true }).toObject()

  const larderHit = (): number => {
    const outcome = cache.handle(info, route)
    if (outcome instanceof Promise || outcome.kind !== 'hit') throw new Error('expected a synchronous hit')
    const out: Record<string, HeaderValue> = {}
    replayHeaders(outcome.entry, Date.now(), OBJECT_SINK, out, 'x-cache', 'HIT', outcome.notModified)
    return Object.keys(out).length
  }
  const libraryHit = (): number => {
    const outcome = cache.handle(info, route)
    if (outcome instanceof Promise || outcome.kind !== 'hit') throw new Error('expected a synchronous hit')
    const policy = CachePolicy.fromObject(stored)
    if (!policy.satisfiesWithoutRevalidation(request)) throw new Error('the library says the entry is stale')
    return Object.keys(policy.responseHeaders()).length
  }

  const time = (fn: () => number): number => {
    let sink = 0
    const t = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) sink += fn()
    const ns = Number(process.hrtime.bigint() - t) / iterations
    if (sink === 0) throw new Error('nothing measured')
    return ns
  }
  // Warm both up, then alternate rounds and keep each one's best, so JIT and drift treat them alike.
  time(larderHit)
  time(libraryHit)
  let larderNs = Infinity
  let libraryNs = Infinity
  for (let round = 0; round < 5; round++) {
    larderNs = Math.min(larderNs, time(larderHit))
    libraryNs = Math.min(libraryNs, time(libraryHit))
  }
  await cache.close()
  const result: HeaderSemanticsResult = { iterations, larderNsPerHit: larderNs, libraryNsPerHit: libraryNs, addedNs: libraryNs - larderNs }
  console.log(JSON.stringify(result))
}

void main()
