import { cpuRatio, fmt, measureThroughput, ratio, ratioTarget, type Measured, type Variant } from '../throughput.js'
import type { Context, ScenarioResult, Table } from '../model.js'
import type { Framework } from '../servers/spec.js'
import { NOOP_ROUTE, PLAIN_ROUTES } from '../servers/fixtures.js'
import { failureNotes } from './hit-memory.js'

const PATH = '/nostore/users/1'
const FRAMEWORKS = [
  ['Express', 'express'],
  ['Fastify', 'fastify'],
] as const satisfies ReadonlyArray<readonly [string, Framework]>

/** The rows a comparison has, by role: the reference, larder, the reference again (noise), and a do-nothing middleware. */
interface Roles {
  bare: string
  larder: string
  again: string
  noop?: string
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

// One process serving the route with larder, without it (twice) and behind a do-nothing middleware.
const together = (name: string): Required<Roles> => ({
  bare: `${name}: route without larder`,
  larder: `${name}: route with larder`,
  noop: `${name}: route with a ${name === 'Express' ? 'middleware' : 'pair of hooks'} that does nothing`,
  again: `${name}: route without larder, second copy`,
})
const TOGETHER: Variant[] = FRAMEWORKS.flatMap(([name, framework]) => {
  const r = together(name)
  const spec = { framework, cache: 'larder-route', store: 'memory' } as const
  return [
    { label: r.bare, spec, path: PLAIN_ROUTES[0] + PATH },
    { label: r.larder, spec, path: PATH },
    { label: r.noop, spec, path: NOOP_ROUTE + PATH },
    { label: r.again, spec, path: PLAIN_ROUTES[1] + PATH },
  ]
})

interface Overhead {
  /** Throughput lost to larder, between the two copies of the reference (noise), and to the do-nothing middleware. */
  lost: { larder: number; noise: number; noop?: number }
  extraCpu: { larder: number; noise: number; noop?: number }
}

function overhead(results: readonly Measured[], r: Roles): Overhead {
  const lost = (label: string): number => 1 - ratio(results, label, r.bare)
  const extra = (label: string): number => cpuRatio(results, label, r.bare) - 1
  return {
    lost: { larder: lost(r.larder), noise: Math.abs(lost(r.again)), noop: r.noop === undefined ? undefined : lost(r.noop) },
    extraCpu: { larder: extra(r.larder), noise: Math.abs(extra(r.again)), noop: r.noop === undefined ? undefined : extra(r.noop) },
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

function describe(o: Overhead, middleware: string): string {
  const parts = [`${fmt.pct(o.lost.larder)} throughput (noise ${fmt.pct(o.lost.noise)})`, `server CPU ${fmt.signedPct(o.extraCpu.larder)} (noise ${fmt.pct(o.extraCpu.noise)})`]
  if (o.lost.noop !== undefined && o.extraCpu.noop !== undefined) parts.push(`a ${middleware} that does nothing: ${fmt.pct(o.lost.noop)}, CPU ${fmt.signedPct(o.extraCpu.noop)}`)
  return parts.join(', ')
}

export async function missOverhead(ctx: Context): Promise<ScenarioResult> {
  const apartResults = await measureThroughput(ctx, APART)
  // One framework at a time, so that the routes compared are measured within seconds of each other.
  const togetherResults: Measured[] = []
  for (const [name] of FRAMEWORKS) {
    const variants = TOGETHER.filter((v) => v.label.startsWith(`${name}:`))
    togetherResults.push(...(await measureThroughput(ctx, variants, ctx.profile.missTogether)))
  }
  const targets = FRAMEWORKS.map(([name]) => {
    const middleware = name === 'Express' ? 'middleware' : 'pair of hooks'
    const one = overhead(togetherResults, together(name))
    const two = overhead(apartResults, apart(name))
    const t = ratioTarget(`Miss overhead ≤ 5% of bare route (${name})`, one.lost.larder, 0.05, false)
    return { ...t, detail: `in one process: ${describe(one, middleware)}; in separate processes: ${describe(two, middleware)}` }
  })
  return {
    id: 'miss',
    title: '3. Miss overhead',
    about: `A route that is never cacheable (it answers ${'`'}Cache-Control: no-store${'`'}), with and without larder: every request is a lookup that misses, a handler run, and a response that larder inspects and declines to store. This is what larder costs when it cannot help. It is measured twice. First with each server in its own process, as a user would run one or the other; the bare server runs twice, and the difference between its two processes is that measurement's noise. Then in one process that serves the route with larder beside the same route without it (twice) and behind a middleware that does nothing: two processes of the same server differ by a few percent in CPU per request for as long as they run, so only the one-process comparison resolves a 5% target, and the target is judged on it. It runs one framework at a time in many short rounds (${ctx.profile.missTogether.rounds} × ${ctx.profile.missTogether.seconds} s per route), and every ratio is the median of per-round ratios, so the routes compared were measured seconds apart. A middleware (Fastify: an onRequest and an onSend hook on the route) that does nothing shows what the framework charges for any middleware at all, before larder runs a line of its own.`,
    tables: [
      table('Each server in its own process', apartResults, FRAMEWORKS.map(([name]) => apart(name))),
      table('One process per framework, routes with and without larder', togetherResults, FRAMEWORKS.map(([name]) => together(name))),
    ],
    targets,
    notes: [...failureNotes(apartResults), ...failureNotes(togetherResults)],
  }
}
