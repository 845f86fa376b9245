import { cpuRatio, fmt, measureThroughput, ratio, ratioTarget, type Variant } from '../throughput.js'
import type { Context, ScenarioResult } from '../model.js'
import { failureNotes } from './hit-memory.js'

const PATH = '/nostore/users/1'

const VARIANTS: Variant[] = [
  { label: 'Express, no cache', spec: { framework: 'express', cache: 'none' }, path: PATH },
  { label: 'Express + larder', spec: { framework: 'express', cache: 'larder', store: 'memory' }, path: PATH },
  { label: 'Express, no cache (same server again)', spec: { framework: 'express', cache: 'none', replica: 2 }, path: PATH },
  { label: 'Fastify, no cache', spec: { framework: 'fastify', cache: 'none' }, path: PATH },
  { label: 'Fastify + larder', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, path: PATH },
  { label: 'Fastify, no cache (same server again)', spec: { framework: 'fastify', cache: 'none', replica: 2 }, path: PATH },
]

export async function missOverhead(ctx: Context): Promise<ScenarioResult> {
  const results = await measureThroughput(ctx, VARIANTS)
  const overhead = (framework: string): number => 1 - ratio(results, `${framework} + larder`, `${framework}, no cache`)
  // The same bare server in a second process: what it "loses" is the run's noise, not larder.
  const noise = (framework: string): number => Math.abs(1 - ratio(results, `${framework}, no cache (same server again)`, `${framework}, no cache`))
  const cpuOverhead = (framework: string): number => cpuRatio(results, `${framework} + larder`, `${framework}, no cache`) - 1
  const cpuNoise = (framework: string): number => Math.abs(cpuRatio(results, `${framework}, no cache (same server again)`, `${framework}, no cache`) - 1)
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '', '', '']
    const framework = m.variant.label.split(/[ ,]/)[0]!
    const larder = m.variant.spec.cache === 'larder'
    const control = m.variant.spec.replica !== undefined
    const lost = larder ? fmt.pct(overhead(framework)) : control ? `${fmt.pct(noise(framework))} (noise)` : 'reference'
    const extraCpu = larder ? fmt.pct(cpuOverhead(framework)) : control ? `${fmt.pct(cpuNoise(framework))} (noise)` : 'reference'
    return [m.variant.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), lost, fmt.us(m.cpuUs), extraCpu]
  })
  const target = (framework: string): ReturnType<typeof ratioTarget> => {
    const o = overhead(framework)
    const t = ratioTarget(`Miss overhead ≤ 5% of bare route (${framework})`, o, 0.05, false)
    return { ...t, detail: `${fmt.pct(o)} (≤ 5%; same-server noise ${fmt.pct(noise(framework))}); server CPU per request +${fmt.pct(cpuOverhead(framework))} (noise ${fmt.pct(cpuNoise(framework))})` }
  }
  return {
    id: 'miss',
    title: '3. Miss overhead',
    about: `A route that is never cacheable (it answers ${'`'}Cache-Control: no-store${'`'}), with and without larder: every request is a lookup that misses, a handler run, and a response that larder inspects and declines to store. This is what larder costs when it cannot help. The bare server runs twice, in two processes: the difference between the two is this run's noise, the floor under any overhead figure.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'throughput lost', 'server CPU µs/req', 'extra CPU per request'], rows }],
    targets: [target('Express'), target('Fastify')],
    notes: failureNotes(results),
  }
}
