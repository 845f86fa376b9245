import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { Published } from './published.js'
import type { RowOutcome } from './rows.js'
import type { Tally } from './score.js'

interface BaselineRow {
  required: number
  optimal: number
  /** The tests passing when it was recorded, to name what a drop lost. */
  passing: string[]
}

export interface Baseline {
  suite: string
  rows: Record<string, BaselineRow | null>
  /** The published caches' scores as our scorer computes them: a check that the scorer and suite are unchanged. */
  published: Record<string, { required: Tally; optimal: Tally }>
}

export function buildBaseline(suite: string, rows: RowOutcome[], published: Published[]): Baseline {
  return {
    suite,
    rows: Object.fromEntries(rows.map((r) => [r.row.name, r.status === 'ok' ? { required: r.score.required.passed, optimal: r.score.optimal.passed, passing: [...r.score.passing].sort() } : null])),
    published: Object.fromEntries(published.map((p) => [p.name, { required: p.score.required, optimal: p.score.optimal }])),
  }
}

export function writeBaseline(path: string, baseline: Baseline): void {
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`)
}

export function readBaseline(path: string): Baseline {
  if (!existsSync(path)) throw new Error(`no baseline at ${path}: record one with pnpm conformance --update-baseline`)
  return JSON.parse(readFileSync(path, 'utf8')) as Baseline
}

/**
 * What the gate finds: `failures` (a larder row below its baseline, a row that could not run, the
 * scorer no longer reproducing the published scores) and `notes` (rows above their baseline, rows
 * without one).
 */
export function compare(baseline: Baseline, suite: string, rows: RowOutcome[], published: Published[]): { failures: string[]; notes: string[] } {
  const failures: string[] = []
  const notes: string[] = []
  if (baseline.suite !== suite) failures.push(`the suite is ${suite}, the baseline was recorded against ${baseline.suite}: re-record it (--update-baseline) when moving to a new suite`)
  for (const p of published) {
    const want = baseline.published[p.name]
    const same = (a: Tally, b: Tally | undefined) => b !== undefined && a.passed === b.passed && a.total === b.total
    if (want === undefined || !same(p.score.required, want.required) || !same(p.score.optimal, want.optimal)) {
      failures.push(`the scorer no longer reproduces ${p.name}'s published score (baseline ${want ? `${want.required.passed}/${want.required.total}, ${want.optimal.passed}/${want.optimal.total}` : 'none'}; now ${p.score.required.passed}/${p.score.required.total}, ${p.score.optimal.passed}/${p.score.optimal.total})`)
    }
  }
  for (const r of rows) {
    const want = baseline.rows[r.row.name]
    if (want === undefined || want === null) {
      notes.push(`${r.row.name}: no baseline yet${r.status === 'ok' ? ` (now required ${r.score.required.passed}, optimal ${r.score.optimal.passed})` : ''}`)
      continue
    }
    if (r.status === 'skipped') {
      failures.push(`${r.row.name} did not run (${r.reason}); its baseline is required ${want.required}, optimal ${want.optimal}`)
      continue
    }
    if (r.errors.length > 0) failures.push(`${r.row.name}: larder reported ${r.errors.length} errors during the run (first: ${r.errors[0]}), so its score is not its HTTP behaviour alone`)
    const now = { required: r.score.required.passed, optimal: r.score.optimal.passed }
    const passingNow = new Set(r.score.passing)
    const lost = want.passing.filter((id) => !passingNow.has(id))
    const below = (['required', 'optimal'] as const).filter((k) => now[k] < want[k])
    if (below.length > 0) {
      failures.push(`${r.row.name} scores below its baseline: ${below.map((k) => `${k} ${now[k]} < ${want[k]}`).join(', ')}${lost.length ? `; no longer passing: ${lost.join(', ')}` : ''}`)
    } else if (now.required > want.required || now.optimal > want.optimal) {
      notes.push(`${r.row.name} is above its baseline (required ${want.required} → ${now.required}, optimal ${want.optimal} → ${now.optimal}): raise the bar with --update-baseline`)
    }
  }
  return { failures, notes }
}
