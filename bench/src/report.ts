import type { Bar, ScenarioResult, Table, Target } from './model.js'

export interface RunInfo {
  date: string
  mode: string
  node: string
  cpus: string
  loadBefore: string
  loadAfter: string
  seconds: number
  settings: string
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|')
}

export function markdownTable(t: Table): string {
  const lines = [`| ${t.columns.map(cell).join(' | ')} |`, `| ${t.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`]
  for (const row of t.rows) lines.push(`| ${row.map(cell).join(' | ')} |`)
  return lines.join('\n')
}

/**
 * A quick run is too short to judge a target on (it read Redis hits at 0.31× of memory and a miss
 * overhead of 21% on unchanged code): its verdicts are marked indicative, never met or not met.
 */
function mark(t: Target, quick: boolean): string {
  if (t.met === undefined) return 'not measured'
  if (quick) return t.met ? 'indicative: met (quick run)' : 'indicative: not met (quick run)'
  return t.met ? '**met**' : '**not met**'
}

export function targetsTable(targets: readonly Target[], quick = false): Table {
  return { columns: ['Target', 'Result', 'Measured'], rows: targets.map((t) => [t.name, mark(t, quick), t.detail]) }
}

export function markdown(info: RunInfo, results: readonly ScenarioResult[]): string {
  const out: string[] = [
    '# larder benchmark results',
    '',
    `${info.date} · ${info.mode} run · Node ${info.node} · ${info.cpus} · load average ${info.loadBefore} before, ${info.loadAfter} after · ${Math.round(info.seconds)} s`,
    '',
    `${info.settings} Ratios are medians of the per-round ratios. The load generator (autocannon) runs on the same cores as the server under test, so absolute numbers are low and drift between machines and runs; compare the ratios, which are taken within one run.`,
    '',
    '![Hit throughput](latest.svg)',
    '',
    '## Targets',
    '',
    markdownTable(targetsTable(results.flatMap((r) => r.targets))),
  ]
  for (const r of results) {
    out.push('', `## ${r.title}`, '', r.about)
    for (const t of r.tables) {
      out.push('')
      if (t.title) out.push(`**${t.title}**`, '')
      out.push(markdownTable(t))
    }
    if (r.notes.length > 0) out.push('', ...r.notes.map((n) => `- ${n}`))
  }
  return out.join('\n') + '\n'
}

const COLORS: Record<Bar['kind'], string> = { larder: '#2f7d4f', peer: '#c0702f', ceiling: '#8a8f98', bare: '#4a78b5' }

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A horizontal bar chart of hit throughput, grouped by framework; plain SVG, no dependencies. */
export function svgChart(bars: readonly Bar[], subtitle: string): string {
  const width = 860
  const labelW = 300
  const barMax = 400
  const rowH = 24
  const groupGap = 14
  const top = 58
  const max = Math.max(1, ...bars.map((b) => b.rps))
  const parts: string[] = []
  let y = top
  let group = ''
  for (const b of bars) {
    if (b.group !== group) {
      if (group !== '') y += groupGap
      group = b.group
      parts.push(`<text x="12" y="${y + 12}" class="group">${esc(group)}</text>`)
      y += 20
    }
    const w = Math.max(1, (b.rps / max) * barMax)
    parts.push(
      `<text x="${labelW - 8}" y="${y + 15}" class="label" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" rx="2" fill="${COLORS[b.kind]}"/>`,
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" class="value">${Math.round(b.rps).toLocaleString('en-US')} req/s${b.note ? ` · ${esc(b.note)}` : ''}</text>`,
    )
    y += rowH
  }
  const legendY = y + 18
  const legend = (Object.keys(COLORS) as Array<Bar['kind']>).map((k, i) => {
    const x = labelW + i * 120
    const name = { larder: 'larder', peer: 'other caches', ceiling: 'ceilings', bare: 'no cache' }[k]
    return `<rect x="${x}" y="${legendY - 10}" width="12" height="12" fill="${COLORS[k]}"/><text x="${x + 18}" y="${legendY}" class="label">${name}</text>`
  })
  const height = legendY + 16
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>.title{font-size:16px;font-weight:600;fill:#222}.sub{font-size:11px;fill:#666}.group{font-size:12px;font-weight:600;fill:#333}.label{font-size:12px;fill:#333}.value{font-size:11px;fill:#444}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    '<text x="12" y="22" class="title">larder: cache-hit throughput (~1 KB JSON), higher is better</text>',
    `<text x="12" y="40" class="sub">${esc(subtitle)}</text>`,
    ...parts,
    ...legend,
    '</svg>',
  ].join('\n')
}
