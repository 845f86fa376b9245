/** What a server process runs: one framework, one caching approach, one store. */
export type Framework = 'node' | 'express' | 'fastify'
/**
 * `ceiling`: answers every request from a prebuilt Buffer without running the route (the framework's limit).
 * `ceiling-headers`: the ceiling, sending the headers a larder hit sends (ETag, Age, X-Cache as well as
 * Content-Type and Content-Length): what the response itself costs, apart from finding it.
 */
export type CacheKind = 'none' | 'ceiling' | 'ceiling-headers' | 'larder' | 'apicache' | 'route-cache'
export type StoreKind = 'memory' | 'redis'

export interface ServerSpec {
  framework: Framework
  cache: CacheKind
  store?: StoreKind
  /** Redis key prefix (and apicache key namespace), so concurrent benchmarks never share entries. */
  redisPrefix?: string
  /** larder without its X-Cache header (`statusHeader: false`): what the header itself costs. */
  statusHeader?: false
  /** A second process of the same server (replica 2): the same-server control that shows a run's noise. */
  replica?: number
}

/** Messages over the fork IPC channel. */
/** `cpuMicros`: the server process's CPU time (user + system) since the last reset. */
export type ServerMessage = { type: 'stats'; originCalls: number; originReads: number; originWrites: number; cpuMicros: number }
export type ControlMessage = { type: 'stats' } | { type: 'reset' }

/** A server's name, and its identity in the pool: specs with the same name are the same server. */
export function describeSpec(spec: ServerSpec): string {
  const hasStore = spec.cache === 'larder' || spec.cache === 'apicache'
  const base = hasStore ? `${spec.framework}-${spec.cache}/${spec.store ?? 'memory'}` : `${spec.framework}-${spec.cache}`
  const name = spec.statusHeader === false ? `${base}-no-status-header` : base
  return spec.replica === undefined ? name : `${name}#${spec.replica}`
}

/** The Redis the benchmark uses (database 9 by default, away from the tests' keys). */
export const REDIS_URL = process.env.LARDER_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9'
