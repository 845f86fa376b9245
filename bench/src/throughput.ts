import { load, median, type LoadResult, type Workload } from './load.js'
import type { ServerSpec } from './servers/spec.js'
import type { Context } from './model.js'

export interface Variant {
  /** Row label in the tables. */
  label: string
  spec: ServerSpec
  path: string
}

export interface Sample extends LoadResult {
  /** Origin (handler) calls per second during the round. */
  originPerSec: number
  /** Server CPU time per response, µs: less sensitive than req/s to the load generator's share of the cores. */
  cpuUs: number
  /** What the workload counted in its responses during the round. */
  counts: Record<string, number>
}

export type Measured =
  | { variant: Variant; skipped: undefined; rps: number; p50: number; p99: number; originPerSec: number; cpuUs: number; failures: number; counts: Record<string, number>; samples: Sample[] }
  | { variant: Variant; skipped: string }

export interface ThroughputOptions {
  seconds?: number
  rounds?: number
  connections?: number
  /** Per-request method and path, for mixed workloads: a fresh one (same sequence, zeroed counts) for every round. */
  workload?: () => Workload
}

/**
 * Gets every variant's server from the run's pool (each in its own process), warms each up, then measures them in
 * interleaved rounds (the order rotates every round), so that drift on a shared machine hits all
 * variants alike. Reports medians. A server that cannot start is reported as skipped, with why.
 */
export async function measureThroughput(ctx: Context, variants: readonly Variant[], options: ThroughputOptions = {}): Promise<Measured[]> {
  const p = ctx.profile
  const seconds = options.seconds ?? p.seconds
  const rounds = options.rounds ?? p.rounds
  const connections = options.connections ?? p.connections
  const started = await Promise.allSettled(variants.map((v) => ctx.servers.get(v.spec)))
  const servers = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined))
  const run = async (i: number, secs: number): Promise<Sample> => {
    const server = servers[i]!
    await server.origin(true)
    const workload = options.workload?.()
    const result = await load({ url: server.url + variants[i]!.path, seconds: secs, connections, workload })
    const { originCalls, cpuMicros } = await server.origin()
    return { ...result, originPerSec: originCalls / secs, cpuUs: cpuMicros / Math.max(1, result.requests + result.failures), counts: workload?.counts?.() ?? {} }
  }
  const live = variants.map((_, i) => i).filter((i) => servers[i] !== undefined)
  for (const i of live) {
    ctx.log(`  warm-up ${variants[i]!.label}`)
    // Without a warm-up (quick runs), one request still fills the cache before measuring.
    if (p.warmupSeconds > 0) await run(i, p.warmupSeconds)
    else await fetch(servers[i]!.url + variants[i]!.path).then((r) => r.arrayBuffer())
  }
  const samples: Sample[][] = variants.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < live.length; k++) {
      const i = live[(k + r) % live.length]!
      const s = await run(i, seconds)
      samples[i]!.push(s)
      ctx.log(`  round ${r + 1}/${rounds} ${variants[i]!.label}: ${Math.round(s.rps)} req/s, p99 ${s.p99} ms${s.failures ? `, ${s.failures} failures` : ''}`)
    }
  }
  return variants.map((variant, i): Measured => {
    const s = started[i]!
    if (s.status === 'rejected') return { variant, skipped: s.reason instanceof Error ? s.reason.message : String(s.reason) }
    const list = samples[i]!
    const pick = (f: (x: Sample) => number): number => median(list.map(f))
    const counts: Record<string, number> = {}
    for (const x of list) for (const [k, n] of Object.entries(x.counts)) counts[k] = (counts[k] ?? 0) + n
    return { variant, skipped: undefined, rps: pick((x) => x.rps), p50: pick((x) => x.p50), p99: pick((x) => x.p99), originPerSec: pick((x) => x.originPerSec), cpuUs: pick((x) => x.cpuUs), failures: list.reduce((n, x) => n + x.failures, 0), counts, samples: list }
  })
}

/** Formatting shared by the scenario tables. */
export const fmt = {
  rps: (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—'),
  ms: (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toString()) : '—'),
  ratio: (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—'),
  pct: (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : '—'),
  /** A change in percent with its sign: +3.0%, -1.2%. */
  signedPct: (n: number): string => (Number.isFinite(n) && n >= 0 ? '+' : '') + fmt.pct(n),
  us: (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '—'),
}

/** Finds a measured variant by label; undefined when it is missing or skipped. */
export function find(results: readonly Measured[], label: string): Extract<Measured, { skipped: undefined }> | undefined {
  const m = results.find((r) => r.variant.label === label)
  return m !== undefined && m.skipped === undefined ? m : undefined
}

/**
 * `a / b` of one per-round measure, NaN when either is missing: the median of the per-round ratios
 * (both were measured in the same interleaved round, close in time), so a round disturbed by other
 * load on the machine counts once instead of skewing either side's median.
 */
function pairedRatio(results: readonly Measured[], a: string, b: string, measure: (s: Sample) => number): number {
  const x = find(results, a)
  const y = find(results, b)
  if (x === undefined || y === undefined) return Number.NaN
  if (x.samples.length !== y.samples.length || x.samples.length === 0) return median(x.samples.map(measure)) / median(y.samples.map(measure))
  return median(x.samples.map((s, i) => measure(s) / measure(y.samples[i]!)))
}

/** `a / b` req/s (see pairedRatio). */
export function ratio(results: readonly Measured[], a: string, b: string): number {
  return pairedRatio(results, a, b, (s) => s.rps)
}

/** `a / b` server CPU per response (see pairedRatio). */
export function cpuRatio(results: readonly Measured[], a: string, b: string): number {
  return pairedRatio(results, a, b, (s) => s.cpuUs)
}

/** A target comparing a ratio with a bound. */
export function ratioTarget(name: string, value: number, bound: number, atLeast: boolean): { name: string; met: boolean | undefined; detail: string } {
  if (!Number.isFinite(value)) return { name, met: undefined, detail: 'not measured' }
  return { name, met: atLeast ? value >= bound : value <= bound, detail: `${value.toFixed(3)}× (${atLeast ? '≥' : '≤'} ${bound}×)` }
}
