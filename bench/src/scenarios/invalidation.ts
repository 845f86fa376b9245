import type { InvalidationResult, SizeTiming } from '../inproc/invalidation.js'
import { runScript } from '../proc.js'
import { fmt } from '../throughput.js'
import type { Context, ScenarioResult, Table, Target } from '../model.js'

const SCRIPT = new URL('../inproc/invalidation.ts', import.meta.url)

const us = (ms: number): string => (ms * 1000 < 100 ? (ms * 1000).toFixed(1) : Math.round(ms * 1000).toLocaleString('en-US'))

function table(title: string, sizes: readonly SizeTiming[]): Table {
  const withFloor = sizes.some((s) => s.floor !== undefined)
  const columns = ['entries', 'fill s', 'one tag (10 entries) median µs', 'tag p99 µs', 'one path (1 entry) median µs', 'path p99 µs']
  if (withFloor) columns.push('plain Map: same 10 deletes, median µs', 'plain Map: 1 delete, median µs')
  const rows = sizes.map((s) => {
    const row = [s.entries.toLocaleString('en-US'), s.fillSeconds.toFixed(1), us(s.tag.median), us(s.tag.p99), us(s.path.median), us(s.path.p99)]
    if (withFloor) row.push(s.floor ? us(s.floor.tag.median) : '—', s.floor ? us(s.floor.path.median) : '—')
    return row
  })
  return { title, columns, rows }
}

/** Largest size's median over the smallest's, for tags and paths: flat means ≤ 2×. */
function flatness(store: string, sizes: readonly SizeTiming[]): Target[] {
  const first = sizes[0]
  const last = sizes[sizes.length - 1]
  if (first === undefined || last === undefined || first === last) return [{ name: `Invalidation time independent of size (${store})`, met: undefined, detail: 'not measured' }]
  const span = `${first.entries.toLocaleString('en-US')} → ${last.entries.toLocaleString('en-US')}`
  return (['tag', 'path'] as const).map((k) => {
    const r = last[k].median / first[k].median
    let detail = `${fmt.ratio(r)} from ${span} entries (≤ 2×)`
    if (first.floor !== undefined && last.floor !== undefined) {
      detail += `; the same deletes from a plain Map grow ${fmt.ratio(last.floor[k].median / first.floor[k].median)} (memory latency: the floor for any in-process index)`
    }
    return { name: `Invalidation time independent of size (${store}, one ${k})`, met: r <= 2, detail }
  })
}

export async function invalidationScale(ctx: Context): Promise<ScenarioResult> {
  const { memorySizes, redisSizes, samples } = ctx.profile.invalidation
  const largest = Math.max(...memorySizes)
  ctx.log(`  memory store: ${memorySizes.join(', ')} entries`)
  const memory = await runScript<InvalidationResult>(SCRIPT, ['memory', JSON.stringify(memorySizes), String(samples)], [`--max-old-space-size=${largest >= 1e6 ? 6144 : 2048}`])
  ctx.log(`  Redis store: ${redisSizes.join(', ')} entries`)
  const redis = await runScript<InvalidationResult>(SCRIPT, ['redis', JSON.stringify(redisSizes), String(samples), `larder-bench-inv-${process.pid}`])
  const tables: Table[] = []
  const targets: Target[] = []
  const notes: string[] = []
  for (const [name, result] of [
    ['memory store', memory],
    ['Redis store', redis],
  ] as const) {
    if ('skipped' in result) {
      notes.push(`${name}: skipped: ${result.skipped}`)
      targets.push({ name: `Invalidation time independent of size (${name})`, met: undefined, detail: `skipped: ${result.skipped}` })
      continue
    }
    tables.push(table(`${name[0]!.toUpperCase()}${name.slice(1)}`, result.sizes))
    targets.push(...flatness(name, result.sizes))
  }
  return {
    id: 'invalidation',
    title: '6. Invalidation scale',
    about: `In-process: a cache is filled through ${'`'}store.set${'`'} with N entries (1 KB bodies; every entry has its own path and shares a tag with 9 others), then ${'`'}cache.invalidate({ tags })${'`'} and ${'`'}cache.invalidate({ paths })${'`'} are timed ${samples} times each; the removed entries are put back untimed after each, so N stays constant. The Redis store is filled with at most ${Math.max(...redisSizes).toLocaleString('en-US')} entries (about ${Math.round((Math.max(...redisSizes) * 1.3) / 1000)} MB in Redis): filling a million would take minutes and a gigabyte of the shared Redis. Redis times include the round trips (a tag or path invalidation runs one script per bucket, pipelined). For the memory store, the same keys are also deleted from a plain ${'`'}Map${'`'} of the same size: nothing that keeps entries in process can remove one for less, so the Map's growth from the smallest to the largest size is what memory latency alone costs on this machine.`,
    tables,
    targets,
    notes,
  }
}
