import { fmt, measureThroughput, ratio, ratioTarget, type Variant } from '../throughput.js'
import type { Context, ScenarioResult } from '../model.js'
import { failureNotes } from './hit-memory.js'

const PATH = '/nostore/users/1'

const VARIANTS: Variant[] = [
  { label: 'Express, no cache', spec: { framework: 'express', cache: 'none' }, path: PATH },
  { label: 'Express + larder', spec: { framework: 'express', cache: 'larder', store: 'memory' }, path: PATH },
  { label: 'Fastify, no cache', spec: { framework: 'fastify', cache: 'none' }, path: PATH },
  { label: 'Fastify + larder', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, path: PATH },
]

export async function missOverhead(ctx: Context): Promise<ScenarioResult> {
  const results = await measureThroughput(ctx, VARIANTS)
  const overhead = (framework: string): number => 1 - ratio(results, `${framework} + larder`, `${framework}, no cache`)
  const rows = results.map((m) => {
    if (m.skipped !== undefined) return [m.variant.label, `skipped: ${m.skipped}`, '', '', '']
    const framework = m.variant.label.split(/[ ,]/)[0]!
    return [m.variant.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), m.variant.spec.cache === 'larder' ? fmt.pct(overhead(framework)) : 'reference']
  })
  const target = (framework: string): ReturnType<typeof ratioTarget> => {
    const o = overhead(framework)
    const t = ratioTarget(`Miss overhead ≤ 5% of bare route (${framework})`, o, 0.05, false)
    return { ...t, detail: `${fmt.pct(o)} (≤ 5%)` }
  }
  return {
    id: 'miss',
    title: '3. Miss overhead',
    about: `A route that is never cacheable (it answers ${'`'}Cache-Control: no-store${'`'}), with and without larder: every request is a lookup that misses, a handler run, and a response that larder inspects and declines to store. This is what larder costs when it cannot help.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'throughput lost'], rows }],
    targets: [target('Express'), target('Fastify')],
    notes: failureNotes(results),
  }
}
