/**
 * `pnpm bench [--quick] [--only=hit-memory,miss,…] [--profile]`
 *
 * Runs the scenarios, prints every table and the headline, and (full run of every scenario) writes
 * bench/results/latest.md and latest.svg. `--profile` instead profiles the larder hit path.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { ServerPool } from './proc.js'
import { cleanBenchDatabase } from './servers/stores.js'
import { profileHitPath } from './profile.js'
import { markdown, markdownTable, svgChart, targetsTable, type RunInfo } from './report.js'
import { hitMemory } from './scenarios/hit-memory.js'
import { hitRedis } from './scenarios/hit-redis.js'
import { invalidationScale } from './scenarios/invalidation.js'
import { memoryPerEntry } from './scenarios/memory.js'
import { missOverhead } from './scenarios/miss.js'
import { slowOrigin } from './scenarios/slow-origin.js'
import { stampede } from './scenarios/stampede.js'
import { FULL, QUICK, type Context, type ScenarioResult } from './model.js'

const SCENARIOS: Record<string, (ctx: Context) => Promise<ScenarioResult>> = {
  'hit-memory': hitMemory,
  'hit-redis': hitRedis,
  miss: missOverhead,
  'slow-origin': slowOrigin,
  stampede,
  invalidation: invalidationScale,
  memory: memoryPerEntry,
}

const RESULTS = new URL('../results/', import.meta.url)

function parseArgs(argv: readonly string[]): { quick: boolean; only: string[]; profile: boolean } {
  let quick = false
  let profile = false
  let only = Object.keys(SCENARIOS)
  for (const arg of argv) {
    if (arg === '--') continue
    else if (arg === '--quick') quick = true
    else if (arg === '--profile') profile = true
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length).split(',')
    else throw new Error(`unknown argument ${arg}; usage: pnpm bench [--quick] [--only=${Object.keys(SCENARIOS).join(',')}] [--profile]`)
  }
  for (const id of only) if (!(id in SCENARIOS)) throw new Error(`unknown scenario "${id}"; scenarios: ${Object.keys(SCENARIOS).join(', ')}`)
  return { quick, only, profile }
}

const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ')

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const profile = args.quick ? QUICK : FULL
  const started = performance.now()
  const ctx: Context = { profile, servers: new ServerPool(), log: (m) => console.log(m) }
  mkdirSync(RESULTS, { recursive: true })
  if (args.profile) {
    await profileHitPath(ctx, RESULTS)
    return
  }
  const loadBefore = load()
  const results: ScenarioResult[] = []
  try {
    for (const id of args.only) {
      const t = performance.now()
      console.log(`\n▶ ${id}`)
      const result = await SCENARIOS[id]!(ctx)
      results.push(result)
      console.log(`\n## ${result.title} (${((performance.now() - t) / 1000).toFixed(0)} s)\n`)
      for (const table of result.tables) console.log((table.title ? `${table.title}\n` : '') + markdownTable(table) + '\n')
      for (const note of result.notes) console.log(`- ${note}`)
    }
  } finally {
    await ctx.servers.stopAll()
    await cleanBenchDatabase()
  }
  const seconds = (performance.now() - started) / 1000
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: profile.quick ? 'quick' : 'full',
    node: process.versions.node,
    cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    loadBefore,
    loadAfter: load(),
    seconds,
    settings: `Hit and miss scenarios: ${profile.connections} connections, no pipelining, ${profile.warmupSeconds} s warm-up, then ${profile.rounds} round(s) of ${profile.seconds} s per server, interleaved; medians reported.`,
  }
  const headline = results.find((r) => r.headline !== undefined)?.headline
  const targets = results.flatMap((r) => r.targets)
  console.log('\n## Targets\n\n' + markdownTable(targetsTable(targets, profile.quick)))
  if (headline) console.log('\n## Headline\n\n' + markdownTable(headline))
  if (!profile.quick && args.only.length === Object.keys(SCENARIOS).length) {
    writeFileSync(new URL('latest.md', RESULTS), markdown(info, results))
    const bars = results.flatMap((r) => r.bars ?? [])
    writeFileSync(new URL('latest.svg', RESULTS), svgChart(bars, `${info.date} · ${info.cpus} · load generator on the same cores · ratios vs the framework's ceiling`) + '\n')
    console.log('\nWrote bench/results/latest.md and bench/results/latest.svg')
  }
  console.log(`\nDone in ${seconds.toFixed(0)} s.`)
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e)
    process.exit(1)
  },
)
