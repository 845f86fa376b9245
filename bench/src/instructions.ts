/**
 * Instructions per request, counted by valgrind's callgrind in a server process. Unlike req/s or
 * CPU time, the count does not depend on what else the machine is doing: the same server, inputs
 * and warm-up give the same count, so a difference of 1% between two routes is a real difference.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { load } from './load.js'
import { ServerProcess } from './proc.js'
import type { ServerSpec } from './servers/spec.js'

const run = promisify(execFile)

export interface CountOptions {
  /** Requests per route before counting, uninstrumented (several times faster). */
  warmup: number
  /** Then instrumented, before counting: the counts keep falling for thousands of requests after instrumenting starts. */
  settle: number
  /** Requests per route per round. */
  requests: number
  rounds: number
  /** Requests in flight at once. */
  connections: number
}

/** Why instructions cannot be counted on this machine, or undefined when they can. */
export function callgrindMissing(): string | undefined {
  for (const tool of ['valgrind', 'callgrind_control']) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' })
    if (r.error !== undefined) return `${tool} is not installed (Debian: apt-get install valgrind)`
  }
  return undefined
}

/** The instruction total of the newest dump callgrind wrote to `dir`. */
function newestTotal(dir: string): number {
  const dumps = readdirSync(dir)
    .map((f) => ({ f, n: Number(/\.(\d+)$/.exec(f)?.[1] ?? -1) }))
    .filter((d) => d.n >= 0)
    .sort((a, b) => b.n - a.n)
  if (dumps.length === 0) throw new Error(`callgrind wrote no dump to ${dir}`)
  const text = readFileSync(join(dir, dumps[0]!.f), 'utf8')
  const m = /^(?:totals|summary): (\d+)/m.exec(text)
  if (m === null) throw new Error(`no instruction total in ${dumps[0]!.f}`)
  return Number(m[1])
}

/**
 * Starts `spec` under callgrind, warms every route up, then per round and route zeroes the
 * counters, sends `requests` GETs and reads the count: instructions per request, by route label,
 * one number per round. Everything the process does while a route is loaded counts: parsing,
 * routing, the handler, garbage collection, writing the response.
 */
export async function instructionsPerRequest(
  spec: ServerSpec,
  routes: ReadonlyArray<{ label: string; path: string }>,
  options: CountOptions,
): Promise<Map<string, number[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'larder-callgrind-'))
  // --predictable: V8 compiles and collects garbage on the main thread, on a schedule set by what
  // the process does rather than by the clock (which runs many times slower under valgrind); fixed
  // seeds for hashing. Two processes of the same server then count within 0.1–2.3% of each other.
  const server = await ServerProcess.start(spec, ['--predictable', '--hash-seed=1', '--random-seed=1'], {
    command: 'valgrind',
    // Warm-up runs uninstrumented, several times faster; counting starts with `-i on` below.
    args: ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'callgrind.out')}`],
  })
  const control = (flag: string): Promise<unknown> => run('callgrind_control', [...flag.split(' '), String(server.pid)])
  const send = async (path: string, amount: number): Promise<void> => {
    const r = await load({ url: server.url + path, amount, connections: options.connections })
    if (r.failures > 0 || r.requests !== amount) throw new Error(`${path}: ${r.requests} of ${amount} requests answered, ${r.failures} failed`)
  }
  const counts = new Map<string, number[]>(routes.map((r) => [r.label, []]))
  try {
    for (const route of routes) await send(route.path, options.warmup)
    await control('-i on')
    for (const route of routes) await send(route.path, options.settle)
    // The first counted round runs well above the rest however long the settling was (V8 still
    // compiles in it): it is counted and dropped.
    for (let round = -1; round < options.rounds; round++) {
      for (const route of routes) {
        await control('-z')
        await send(route.path, options.requests)
        await control('-d')
        if (round >= 0) counts.get(route.label)!.push(newestTotal(dir) / options.requests)
      }
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return counts
}
