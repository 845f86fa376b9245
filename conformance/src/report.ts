import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Published } from './published.js'
import type { RowOutcome } from './rows.js'
import { percent, type Failure, type Score, type Tally } from './score.js'
import type { SuiteFile } from './suite.js'

function cell(t: Tally): string {
  return `${t.passed}/${t.total} (${percent(t)}%)`
}

function scoreCells(s: Score): string {
  return `${cell(s.required)} | ${cell(s.optimal)} | ${s.unscored.required} / ${s.unscored.optimal}`
}

/** The table: larder's rows, then the published caches. */
export function markdownTable(rows: RowOutcome[], published: Published[], store: string): string {
  const lines = ['| cache | required | optimal | not scored (setup failed / not run): required / optimal |', '| --- | --- | --- | --- |']
  for (const r of rows) {
    const name = store === 'memory' ? r.row.name : `${r.row.name} (${store} store)`
    lines.push(r.status === 'ok' ? `| ${name} | ${scoreCells(r.score)} |` : `| ${name} | skipped | skipped | |`)
  }
  for (const p of published) lines.push(`| ${p.name} ${p.version} (${p.type}, published) | ${scoreCells(p.score)} |`)
  return lines.join('\n')
}

/** One failing test on one line; dependency failures name the failing dependency, the first thing to fix. */
export function failureLine(f: Failure, withMessage: boolean): string {
  const tag = f.verdict === 'fail' || f.verdict === 'optional_fail' ? '' : ` [${f.verdict}${f.failedDependencies?.length ? ` on ${f.failedDependencies.join(', ')}` : ''}]`
  const message = withMessage && f.message !== '' ? ` — ${f.message.replace(/\s+/g, ' ')}` : ''
  return `${f.id} — ${f.name.replace(/\s+/g, ' ')}${tag}${message}`
}

/** --only: every selected test of every row that ran, passed (✓), failed (✗) or a check (·), with its message. */
export function selectionReport(outcomes: RowOutcome[], ids: Set<string>, files: SuiteFile[]): string[] {
  const tests = new Map(files.flatMap((f) => f.tests.map((t) => [t.id, t] as const)))
  const lines: string[] = []
  for (const o of outcomes) {
    if (o.status !== 'ok') continue
    const s = o.score
    lines.push('', `## ${o.row.name}: required ${s.required.passed}/${s.required.total}, optimal ${s.optimal.passed}/${s.optimal.total} of the selection`)
    const failing = new Map(s.failures.map((f) => [f.id, f]))
    const passing = new Set(s.passing)
    for (const id of ids) {
      const f = failing.get(id)
      const test = tests.get(id)
      const raw = o.raw[id]
      if (f !== undefined) lines.push(`✗ ${f.kind} ${failureLine(f, true)}`)
      else if (passing.has(id)) lines.push(`✓ ${test?.kind ?? 'required'} ${id} — ${test?.name}`)
      else lines.push(`· check ${id} — ${test?.name}: ${raw === true ? 'yes' : `no${raw ? ` — ${raw.join(': ')}` : ''}`} (not scored)`)
    }
  }
  return lines
}

function row(r: RowOutcome) {
  if (r.status === 'skipped') return { row: r.row.name, adapter: r.row.adapter, config: r.row.config.name, options: r.row.config.options, status: r.status, reason: r.reason }
  const s = r.score
  const withPercent = (t: Tally) => ({ ...t, percent: percent(t) })
  return {
    row: r.row.name,
    adapter: r.row.adapter,
    config: r.row.config.name,
    options: r.row.config.options,
    status: r.status,
    seconds: r.seconds,
    required: withPercent(s.required),
    optimal: withPercent(s.optimal),
    unscored: s.unscored,
    errors: r.errors.length,
    failingRequired: s.failures.filter((f) => f.kind === 'required').map(({ id, name, verdict, message, failedDependencies }) => ({ id, name, verdict, message, ...(failedDependencies ? { failedDependencies } : {}) })),
  }
}

/** conformance/results/latest.json: every row's scores and failing required tests, and the published caches' scores. */
export function writeLatest(path: string, rows: RowOutcome[], published: Published[], meta: { suite: string; store: string; seconds: number }): void {
  const doc = {
    suite: meta.suite,
    store: meta.store,
    generated: new Date().toISOString(),
    seconds: meta.seconds,
    rows: rows.map(row),
    published: published.map((p) => ({ name: p.name, version: p.version, type: p.type, required: p.score.required, optimal: p.score.optimal })),
  }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`)
}
