import { loadRedisStore } from '../servers/stores.js'
import { find, fmt, measureThroughput, ratio, ratioTarget, type Variant } from '../throughput.js'
import type { Bar, Context, ScenarioResult } from '../model.js'
import { failureNotes } from './hit-memory.js'

const USER = '/users/1'
const PREFIX = `larder-bench-${process.pid}`

type Row = Variant & { group: string; kind: Bar['kind']; memory?: string }

const VARIANTS: Row[] = [
  { label: 'larder-express (memory)', spec: { framework: 'express', cache: 'larder', store: 'memory' }, path: USER, group: 'Express', kind: 'larder' },
  { label: 'larder-express (Redis)', spec: { framework: 'express', cache: 'larder', store: 'redis', redisPrefix: PREFIX + '-e' }, path: USER, group: 'Express', kind: 'larder', memory: 'larder-express (memory)' },
  { label: 'apicache (memory)', spec: { framework: 'express', cache: 'apicache', store: 'memory' }, path: USER, group: 'Express', kind: 'peer' },
  { label: 'apicache (Redis, redis@3 client)', spec: { framework: 'express', cache: 'apicache', store: 'redis' }, path: USER, group: 'Express', kind: 'peer', memory: 'apicache (memory)' },
  { label: 'larder-fastify (memory)', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, path: USER, group: 'Fastify', kind: 'larder' },
  { label: 'larder-fastify (Redis)', spec: { framework: 'fastify', cache: 'larder', store: 'redis', redisPrefix: PREFIX + '-f' }, path: USER, group: 'Fastify', kind: 'larder', memory: 'larder-fastify (memory)' },
]

export async function hitRedis(ctx: Context): Promise<ScenarioResult> {
  const available = (await loadRedisStore()) !== undefined
  const variants = available ? VARIANTS : VARIANTS.filter((v) => !(v.spec.cache === 'larder' && v.spec.store === 'redis'))
  const results = await measureThroughput(ctx, variants)
  const rows = VARIANTS.map((v) => {
    if (!variants.includes(v)) return [v.label, 'skipped: @larder/redis not available', '', '', '']
    const m = results.find((r) => r.variant.label === v.label)!
    if (m.skipped !== undefined) return [v.label, `skipped: ${m.skipped}`, '', '', '']
    return [v.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), v.memory === undefined ? '1.00× (reference)' : fmt.ratio(ratio(results, v.label, v.memory))]
  })
  const target = (framework: string): ReturnType<typeof ratioTarget> => {
    const t = ratioTarget(`Redis hit ≥ 0.6× memory hit (${framework})`, ratio(results, `larder-${framework.toLowerCase()} (Redis)`, `larder-${framework.toLowerCase()} (memory)`), 0.6, true)
    return available ? t : { ...t, detail: 'skipped: @larder/redis not available' }
  }
  return {
    id: 'hit-redis',
    title: '2. Hit throughput, Redis store',
    about: `The same hit workload with entries in Redis (${'`'}@larder/redis${'`'} on node-redis 5, Redis on the same machine), against the same cache with the memory store in the same run. apicache's Redis option needs the callback API of the redis v3 client, so it runs with redis@3 installed under the alias ${'`'}redis3${'`'}; it stores each response as JSON (the body as an array of byte values) in a hash and parses it back on every hit.`,
    tables: [{ columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'vs same cache, memory'], rows }],
    targets: [target('Express'), target('Fastify')],
    notes: failureNotes(results),
    bars: variants.flatMap((v): Bar[] => {
      const m = find(results, v.label)
      return m === undefined || v.spec.store !== 'redis' ? [] : [{ group: `${v.group}, Redis`, label: v.label, rps: m.rps, kind: v.kind, note: v.memory ? `${fmt.ratio(ratio(results, v.label, v.memory))} memory` : '' }]
    }),
  }
}
