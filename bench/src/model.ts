import type { CountOptions } from './instructions.js'
import type { ServerPool } from './proc.js'

/** Settings of one benchmark run: `--quick` trades precision for a run under a minute. */
export interface Profile {
  quick: boolean
  /** Load per server before measuring (also fills the cache); 0: a single request instead. */
  warmupSeconds: number
  /** Length of one measured round. */
  seconds: number
  /** Measured rounds per server, interleaved across the servers of a scenario; the median is reported. */
  rounds: number
  connections: number
  slowOrigin: { seconds: number; rounds: number; connections: number }
  /** Counting the miss route's instructions per request under callgrind, by framework; undefined: not counted (minutes of valgrind). */
  instructions: Record<'express' | 'fastify', CountOptions> | undefined
  stampede: { rounds: number; concurrency: number }
  invalidation: { memorySizes: number[]; redisSizes: number[]; samples: number }
  memoryEntries: number
}

/**
 * Enough warm-up for counts to have stopped falling (V8 optimising), and rounds long enough to
 * average garbage collection. An Express request runs six times the instructions of a Fastify one
 * and allocates more: its major collections come seldom enough that 6,000 requests can catch one
 * more or fewer (a few percent), so Express is counted longer. A Fastify server counts 3–5% high
 * for a while after instrumenting starts, by a different amount for each server, and the while
 * follows the clock as well as the request count: with four Fastify servers sharing two cores it
 * reached the first counted round after 8,000 and after 14,000 requests of settling. Kept in a mean
 * of two rounds, it read larder's miss overhead as +4.2% and +4.4% where the rounds after it read
 * +5.4–5.9%. So Fastify is counted in three rounds too, and every count is the median round's.
 */
export const FULL_COUNT: Record<'express' | 'fastify', CountOptions> = {
  express: { warmup: 12_000, settle: 3_000, requests: 3_000, rounds: 3, connections: 4 },
  fastify: { warmup: 12_000, settle: 8_000, requests: 3_000, rounds: 3, connections: 4 },
}

export const FULL: Profile = {
  quick: false,
  warmupSeconds: 2,
  seconds: 3,
  rounds: 4,
  connections: 50,
  slowOrigin: { seconds: 5, rounds: 3, connections: 50 },
  instructions: FULL_COUNT,
  stampede: { rounds: 3, concurrency: 500 },
  invalidation: { memorySizes: [1e3, 1e5, 1e6], redisSizes: [1e3, 1e4, 1e5], samples: 200 },
  memoryEntries: 100_000,
}

export const QUICK: Profile = {
  ...FULL,
  quick: true,
  warmupSeconds: 0,
  seconds: 1,
  rounds: 1,
  slowOrigin: { ...FULL.slowOrigin, seconds: 1.5, rounds: 1 },
  instructions: undefined,
  stampede: { ...FULL.stampede, rounds: 1 },
  invalidation: { memorySizes: [1e3, 1e4, 1e5], redisSizes: [1e3, 1e4], samples: 30 },
  memoryEntries: 20_000,
}

export interface Table {
  title?: string
  columns: string[]
  rows: string[][]
}

/** A target from the issue: reported as met or not, never asserted. `undefined`: could not be measured. */
export interface Target {
  name: string
  met: boolean | undefined
  detail: string
}

/** One bar of the chart: hit throughput of one server. */
export interface Bar {
  group: string
  label: string
  rps: number
  kind: 'larder' | 'peer' | 'ceiling' | 'bare'
  note: string
}

export interface ScenarioResult {
  id: string
  title: string
  /** What the scenario measures, one paragraph. */
  about: string
  tables: Table[]
  targets: Target[]
  notes: string[]
  bars?: Bar[]
  /** The headline table, printed at the end of the run (scenario 1). */
  headline?: Table
}

export interface Context {
  profile: Profile
  servers: ServerPool
  log(message: string): void
}
