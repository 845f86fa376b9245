import { cpuRatio, fmt, measureThroughput, ratio, type Measured, type Variant } from '../throughput.js'
import type { Context, ScenarioResult, Table } from '../model.js'
import type { Framework } from '../servers/spec.js'
import { countInstructions, countPlan, countTable, countOf, judgedTarget, type Counted } from '../counting.js'
import { failureNotes } from './hit-memory.js'

const PATH = '/nostore/users/1'
const FRAMEWORKS = [
  ['Express', 'express'],
  ['Fastify', 'fastify'],
] as const satisfies ReadonlyArray<readonly [string, Framework]>

/** The rows a comparison has, by role: the reference, larder, and the reference again (noise). */
interface Roles {
  bare: string
  larder: string
  again: string
}

// Each server in its own process, as a user would run one or the other.
const apart = (name: string): Roles => ({
  bare: `${name}, no cache`,
  larder: `${name} + larder`,
  again: `${name}, no cache (same server again)`,
})
const APART: Variant[] = FRAMEWORKS.flatMap(([name, framework]) => {
  const r = apart(name)
  return [
    { label: r.bare, spec: { framework, cache: 'none' }, path: PATH },
    { label: r.larder, spec: { framework, cache: 'larder', store: 'memory' }, path: PATH },
    { label: r.again, spec: { framework, cache: 'none', replica: 2 }, path: PATH },
  ]
})

// Counted under callgrind: the same servers, and on Fastify larder without its status header, whose
// cost is Node writing one more header rather than anything larder decides. (On Express the header
// is a small share of larder's cost, and each Express server counted adds a minute to the run.)
const QUIET_FRAMEWORKS: readonly Framework[] = ['fastify']
const quiet = (name: string): string => `${name} + larder without X-Cache (statusHeader: false)`
const COUNTED: Variant[] = FRAMEWORKS.flatMap(([name, framework]) => {
  const [bare, larder, again] = APART.filter((v) => v.spec.framework === framework)
  if (!QUIET_FRAMEWORKS.includes(framework)) return [bare!, larder!, again!]
  return [bare!, larder!, { label: quiet(name), spec: { framework, cache: 'larder', store: 'memory', statusHeader: false }, path: PATH }, again!]
})

interface Overhead {
  /** Throughput lost to larder, and between the two processes of the reference (noise). */
  lost: { larder: number; noise: number }
  extraCpu: { larder: number; noise: number }
}

function overhead(results: readonly Measured[], r: Roles): Overhead {
  const lost = (label: string): number => 1 - ratio(results, label, r.bare)
  const extra = (label: string): number => cpuRatio(results, label, r.bare) - 1
  return {
    lost: { larder: lost(r.larder), noise: Math.abs(lost(r.again)) },
    extraCpu: { larder: extra(r.larder), noise: Math.abs(extra(r.again)) },
  }
}


function table(title: string, results: readonly Measured[], roles: readonly Roles[]): Table {
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '', '', '']
    const r = roles.find((x) => Object.values(x).includes(m.variant.label))!
    const label = m.variant.label
    if (label === r.bare) return [label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), 'reference', fmt.us(m.cpuUs), 'reference']
    const noise = label === r.again
    const lost = 1 - ratio(results, label, r.bare)
    const extra = cpuRatio(results, label, r.bare) - 1
    const show = (n: number): string => (noise ? `${fmt.pct(Math.abs(n))} (noise)` : fmt.pct(n))
    return [label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), show(lost), fmt.us(m.cpuUs), show(extra)]
  })
  return { title, columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'throughput lost', 'server CPU µs/req', 'extra CPU per request'], rows }
}

function describe(o: Overhead): string {
  return `${fmt.pct(o.lost.larder)} throughput (noise ${fmt.pct(o.lost.noise)}), server CPU ${fmt.signedPct(o.extraCpu.larder)} (noise ${fmt.pct(o.extraCpu.noise)})`
}

/** Extra instructions per request over the bare server: larder's, larder's without the status header, and the bare server's second process (noise). */
function instructionOverhead(counted: Counted, name: string): { larder: number; quiet: number; noise: number } {
  const r = apart(name)
  const of = (label: string): number => countOf(counted, label)
  return { larder: of(r.larder) / of(r.bare) - 1, quiet: of(quiet(name)) / of(r.bare) - 1, noise: Math.abs(of(r.again) / of(r.bare) - 1) }
}

function instructionTable(counted: Counted): Table {
  const labels = FRAMEWORKS.flatMap(([name]) => {
    const r = apart(name)
    return [r.bare, r.larder, quiet(name), r.again]
  })
  return countTable('Instructions per request (callgrind), each server in its own process', counted, labels, 'extra instructions per request', (label) => {
    const [name] = FRAMEWORKS.find(([n]) => Object.values(apart(n)).includes(label) || label === quiet(n))!
    const r = apart(name)
    if (label === r.bare) return 'reference'
    const extra = countOf(counted, label) / countOf(counted, r.bare) - 1
    return label === r.again ? `${fmt.pct(Math.abs(extra))} (noise)` : fmt.signedPct(extra)
  })
}

export async function missOverhead(ctx: Context): Promise<ScenarioResult> {
  const apartResults = await measureThroughput(ctx, APART)
  const counted = await countInstructions(ctx, COUNTED)
  const targets = FRAMEWORKS.map(([name]) => {
    const r = apart(name)
    const byThroughput = overhead(apartResults, r)
    const i = instructionOverhead(counted, name)
    const withoutHeader = Number.isFinite(i.quiet) ? `; without the X-Cache header ${fmt.signedPct(i.quiet)}` : ''
    return judgedTarget(`Miss overhead ≤ 5% of bare route (${name})`, 0.05, false, counted, {
      byCount: i.larder,
      byThroughput: byThroughput.lost.larder,
      countText: `${fmt.signedPct(i.larder)} instructions per request (noise ${fmt.pct(i.noise)}${withoutHeader})`,
      throughputText: `throughput, each server in its own process: ${describe(byThroughput)}`,
    })
  })
  return {
    id: 'miss',
    title: '3. Miss overhead',
    about: `A route that is never cacheable (it answers ${'`'}Cache-Control: no-store${'`'}), with and without larder: every request is a lookup that misses, a handler run, and a response that larder inspects and declines to store. This is what larder costs when it cannot help. Each server runs in its own process, as a user would run one or the other, and the bare server runs in two, whose difference is the measurement's noise. Throughput resolves little here: two processes of the same server differ by a few percent in req/s and CPU per request for as long as they run, as much as the target allows larder. So each server is also run under valgrind's callgrind, which counts the instructions the process executes per request: parsing, routing, the handler, larder, garbage collection, writing the response. The count does not depend on the load on the machine, and on a CPU-bound server throughput is inversely proportional to it; it leaves out the kernel's work on the socket, which is the same with and without larder, so it overstates larder's share if anything. Each server is warmed up and counted with ${countPlan(ctx)}; the target is judged on the median round. Node runs with ${'`'}--predictable${'`'} (garbage collection and compilation on the main thread, on a schedule set by the work done, not by the clock, which valgrind slows many times) and fixed hash seeds, so two processes of the same server count much closer together than their throughput (the same-server row shows how close in this run). On Fastify, larder also runs without its X-Cache header, to show what that header costs: Node validating and writing one more response header, not anything larder decides.`,
    tables: [instructionTable(counted), table('Throughput, each server in its own process', apartResults, FRAMEWORKS.map(([name]) => apart(name)))],
    targets,
    notes: failureNotes(apartResults),
  }
}
