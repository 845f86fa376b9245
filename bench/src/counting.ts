/**
 * Scenario-side use of instruction counts: which servers to count, their table, and the plan
 * text. Counting itself is in instructions.ts.
 */
import { callgrindMissing, instructionsPerRequest, type CountOptions } from './instructions.js'
import { median } from './load.js'
import { FULL_COUNT, type Context, type Table, type Target } from './model.js'
import type { Framework } from './servers/spec.js'
import { ratioTarget, type Variant } from './throughput.js'

/** Instructions per request of each server (by label), one number per round; or why they were not counted. */
export type Counted = { perRound: Map<string, number[]>; skipped: undefined } | { skipped: string }

const COUNTED_FRAMEWORKS = ['express', 'fastify'] as const satisfies readonly Framework[]

/**
 * Counts every variant under callgrind. A framework's servers run at once: a count does not
 * depend on sharing the cores, only the time it takes does.
 */
export async function countInstructions(ctx: Context, variants: readonly Variant[]): Promise<Counted> {
  const options = ctx.profile.instructions
  if (options === undefined) return { skipped: 'quick run: counting under valgrind takes minutes' }
  const missing = callgrindMissing()
  if (missing !== undefined) return { skipped: missing }
  const perRound = new Map<string, number[]>()
  try {
    for (const framework of COUNTED_FRAMEWORKS) {
      const group = variants.filter((v) => v.spec.framework === framework)
      if (group.length === 0) continue
      ctx.log(`  counting instructions per request: ${group.map((v) => v.label).join('; ')}`)
      const counts = await Promise.all(group.map((v) => instructionsPerRequest(v.spec, [v], options[framework])))
      group.forEach((v, i) => perRound.set(v.label, counts[i]!.get(v.label)!))
    }
  } catch (e) {
    return { skipped: `counting failed: ${e instanceof Error ? e.message : String(e)}` }
  }
  return { perRound, skipped: undefined }
}

// The median round, not the mean: a round can be a few percent off the others, where it caught a
// major collection (Express) or a transient after instrumenting starts (Fastify, see FULL_COUNT),
// and the mean of three would move by a third of that.
const typical = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : median(xs))

/** The median round's count of `label`, NaN when it was not counted. */
export function countOf(counted: Counted, label: string): number {
  return counted.skipped !== undefined ? Number.NaN : typical(counted.perRound.get(label) ?? [])
}

/** The throughput ratio of `label` to `reference` that the counts imply: throughput ∝ 1 / instructions. */
export function countedRatio(counted: Counted, label: string, reference: string): number {
  return countOf(counted, reference) / countOf(counted, label)
}

/**
 * A target judged on the instruction counts when they were taken, on throughput otherwise (quick
 * run, no valgrind, counting failed). `byCount` and `byThroughput` are the values the bound applies
 * to; `countText` and `throughputText` describe them for the report.
 */
export function judgedTarget(
  name: string,
  bound: number,
  atLeast: boolean,
  counted: Counted,
  judged: { byCount: number; byThroughput: number; countText: string; throughputText: string },
): Target {
  if (counted.skipped !== undefined) {
    const t = ratioTarget(name, judged.byThroughput, bound, atLeast)
    return { ...t, detail: `${judged.throughputText} (judged on throughput: instructions not counted, ${counted.skipped})` }
  }
  const t = ratioTarget(name, judged.byCount, bound, atLeast)
  return t.met === undefined ? t : { ...t, detail: `${judged.countText}; ${judged.throughputText}` }
}

/**
 * A table of the counted servers in `labels` order: the median round, each round, and `compare(label)`,
 * the comparison the scenario makes (empty for a row it makes none for).
 */
export function countTable(title: string, counted: Counted, labels: readonly string[], comparison: string, compare: (label: string) => string): Table {
  const columns = ['Server', 'instructions per request (median round)', 'rounds', comparison]
  if (counted.skipped !== undefined) return { title, columns, rows: [[`skipped: ${counted.skipped}`, '', '', '']] }
  const thousands = (n: number): string => `${(n / 1000).toFixed(1)}k`
  const rows = labels
    .filter((label) => counted.perRound.has(label))
    .map((label) => {
      const rounds = counted.perRound.get(label)!
      return [label, thousands(typical(rounds)), rounds.map(thousands).join(', '), compare(label)]
    })
  return { title, columns, rows }
}

/** How each framework's servers were counted, for a scenario's description. */
export function countPlan(ctx: Context): string {
  const count = ctx.profile.instructions ?? FULL_COUNT
  const plan = (o: CountOptions): string =>
    `${o.warmup.toLocaleString('en-US')} requests uninstrumented and ${o.settle.toLocaleString('en-US')} instrumented, one round of ${o.requests.toLocaleString('en-US')} counted and dropped, then ${o.rounds} rounds of ${o.requests.toLocaleString('en-US')}`
  return `(Express) ${plan(count.express)}, (Fastify) ${plan(count.fastify)} (V8 is still optimising in the dropped round)`
}
