import autocannon from 'autocannon'

/** One measured load run against one server. */
export interface LoadResult {
  rps: number
  /** 2xx responses received. */
  requests: number
  p50: number
  p99: number
  /** Responses that were not 2xx, plus connection errors and timeouts. */
  failures: number
}

export interface LoadOptions {
  url: string
  /** How long to run; ignored when `amount` is given. */
  seconds?: number
  /** Exactly this many requests, however long they take. */
  amount?: number
  connections: number
  pipelining?: number
  workload?: Workload
}

/**
 * Varies method and path per request and may check each response (autocannon's `requests[]`
 * hooks). `context` belongs to one connection, which has one request in flight at a time.
 */
export interface Workload {
  setupRequest(request: autocannon.Request, context: object): autocannon.Request
  onResponse?(status: number, body: string, context: object): void
  /** What `onResponse` counted, read once the run is over. */
  counts?(): Record<string, number>
}

/** Runs autocannon (programmatic API) in this process for `seconds`. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: options.pipelining ?? 1,
    duration: options.seconds ?? 10,
    amount: options.amount,
    // Slow servers (one under valgrind) answer their first requests in seconds, not milliseconds.
    timeout: options.amount === undefined ? undefined : 60,
    requests: options.workload ? [{ setupRequest: options.workload.setupRequest, onResponse: options.workload.onResponse }] : undefined,
  })
  const ok = result['2xx']
  return {
    rps: ok / result.duration,
    requests: ok,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}
