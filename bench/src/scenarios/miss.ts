import { cpuRatio, fmt, measureThroughput, ratio, ratioTarget, type Variant } from '../throughput.js'
import type { Context, ScenarioResult } from '../model.js'
import { failureNotes } from './hit-memory.js'

const PATH = '/nostore/users/1'

const VARIANTS: Variant[] = [
  { label: 'Express, no cache', spec: { framework: 'express', cache: 'none' }, path: PATH },
  { label: 'Express + larder', spec: { framework: 'express', cache: 'larder', store: 'memory' }, path: PATH },
  { label: 'Express + a middleware that does nothing', spec: { framework: 'express', cache: 'noop' }, path: PATH },
  { label: 'Express, no cache (same server again)', spec: { framework: 'express', cache: 'none', replica: 2 }, path: PATH },
  { label: 'Fastify, no cache', spec: { framework: 'fastify', cache: 'none' }, path: PATH },
  { label: 'Fastify + larder', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, path: PATH },
  { label: 'Fastify + hooks that do nothing', spec: { framework: 'fastify', cache: 'noop' }, path: PATH },
  { label: 'Fastify, no cache (same server again)', spec: { framework: 'fastify', cache: 'none', replica: 2 }, path: PATH },
]

export async function missOverhead(ctx: Context): Promise<ScenarioResult> {
  const results = await measureThroughput(ctx, VARIANTS)
  const bare = (framework: string): string => `${framework}, no cache`
  const lost = (label: string, framework: string): number => 1 - ratio(results, label, bare(framework))
  const extraCpu = (label: string, framework: string): number => cpuRatio(results, label, bare(framework)) - 1
  // The same bare server in a second process: what it "loses" is the run's noise, not larder.
  const control = (framework: string): string => `${framework}, no cache (same server again)`
  const noop = (framework: string): string => VARIANTS.find((v) => v.spec.framework === framework.toLowerCase() && v.spec.cache === 'noop')!.label
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '', '', '']
    const framework = m.variant.label.split(/[ ,]/)[0]!
    const label = m.variant.label
    if (label === bare(framework)) return [label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), 'reference', fmt.us(m.cpuUs), 'reference']
    const suffix = label === control(framework) ? ' (noise)' : ''
    const abs = (n: number): number => (suffix ? Math.abs(n) : n)
    return [label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), fmt.pct(abs(lost(label, framework))) + suffix, fmt.us(m.cpuUs), fmt.pct(abs(extraCpu(label, framework))) + suffix]
  })
  const target = (framework: string): ReturnType<typeof ratioTarget> => {
    const larder = `${framework} + larder`
    const o = lost(larder, framework)
    const t = ratioTarget(`Miss overhead ≤ 5% of bare route (${framework})`, o, 0.05, false)
    const parts = [
      `${fmt.pct(o)} (≤ 5%; same-server noise ${fmt.pct(Math.abs(lost(control(framework), framework)))})`,
      `server CPU per request +${fmt.pct(extraCpu(larder, framework))} (noise ${fmt.pct(Math.abs(extraCpu(control(framework), framework)))})`,
      `a ${framework === 'Express' ? 'middleware' : 'pair of hooks'} that does nothing: ${fmt.pct(lost(noop(framework), framework))}, CPU +${fmt.pct(extraCpu(noop(framework), framework))}`,
    ]
    return { ...t, detail: parts.join('; ') }
  }
  return {
    id: 'miss',
    title: '3. Miss overhead',
    about: `A route that is never cacheable (it answers ${'`'}Cache-Control: no-store${'`'}), with and without larder: every request is a lookup that misses, a handler run, and a response that larder inspects and declines to store. This is what larder costs when it cannot help. The bare server runs twice, in two processes: the difference between the two is this run's noise, the floor under any overhead figure. A middleware (Fastify: an onRequest and an onSend hook on the route) that does nothing shows what the framework charges for any middleware at all, before larder runs a line of its own.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'throughput lost', 'server CPU µs/req', 'extra CPU per request'], rows }],
    targets: [target('Express'), target('Fastify')],
    notes: failureNotes(results),
  }
}
