import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { compare, buildBaseline, readBaseline, writeBaseline } from './baseline.js'
import { publishedScores } from './published.js'
import { relayCheck } from './relay-check.js'
import { failureLine, markdownTable, selectionReport, writeLatest } from './report.js'
import { allRows, runRow, type RowOutcome } from './rows.js'
import type { StoreKind } from './stores.js'
import { loadSuite, repoRoot, selectTests, suiteDir, suiteVersion, workingCopy } from './suite.js'

const USAGE = `pnpm conformance [options]
  --check              exit non-zero if a larder row scores below conformance/baseline.json
  --update-baseline    record this run's scores as conformance/baseline.json
  --only <prefix>      run only the tests whose id starts with <prefix> (and what they depend on); prints each
  --verbose            print every failing test with its message; with --only, also every request and response
  --adapter <name>     express or fastify (default both)
  --config <name>      a row of src/configs.ts (default all)
  --redis              the Redis store (REDIS_URL, default redis://127.0.0.1:6379) instead of the memory store
  --options <json>     an extra row "custom" with these createCache options, to try a combination:
                       --config custom --options '{"ttl":"1ms","clientCacheControl":true}'
  --relay-check        check the proxies, not larder: the suite straight against its origin vs through each relay without larder
env: CACHE_TESTS_DIR  the suite's folder, relative to the repository root (default ../shared/cache-tests)`

// pnpm passes on the `--` of `pnpm conformance -- --check`; it separates nothing here.
const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    check: { type: 'boolean', default: false },
    'update-baseline': { type: 'boolean', default: false },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    adapter: { type: 'string' },
    config: { type: 'string' },
    redis: { type: 'boolean', default: false },
    'relay-check': { type: 'boolean', default: false },
    options: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

function parseOptions(json: string): Record<string, unknown> {
  try {
    const options: unknown = JSON.parse(json)
    if (typeof options === 'object' && options !== null && !Array.isArray(options)) return options as Record<string, unknown>
  } catch {
    // reported below
  }
  throw new Error(`--options takes a JSON object of createCache options, for example --options '{"ttl":"1ms"}'; got ${json}`)
}

const HERE = join(repoRoot(), 'conformance')
const BASELINE = join(HERE, 'baseline.json')
const LATEST = join(HERE, 'results', 'latest.json')

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE)
    return 0
  }
  const partial = args.only !== undefined || args.adapter !== undefined || args.config !== undefined || args.options !== undefined
  if (partial && (args.check || args['update-baseline'])) throw new Error('--check and --update-baseline score every row of src/configs.ts on the whole suite: drop --only, --adapter, --config and --options')
  // The baseline is the memory store's; --check --redis holds the Redis store to it (a store must not change behaviour).
  if (args.redis && args['update-baseline']) throw new Error('--update-baseline records the memory store\'s scores: drop --redis')

  const started = Date.now()
  const dir = suiteDir()
  const suite = suiteVersion(dir)
  const scorer = await loadSuite(dir)
  const custom = args.options === undefined ? undefined : { name: 'custom', description: '--options', options: parseOptions(args.options) }
  const rows = allRows(custom).filter((r) => (args.adapter === undefined || r.adapter === args.adapter) && (args.config === undefined || r.config.name === args.config))
  if (rows.length === 0) throw new Error(`no row matches --adapter ${args.adapter ?? '(any)'} --config ${args.config ?? '(any)'}; rows: ${allRows().map((r) => r.name).join(', ')}`)
  const ids = selectTests(scorer.files, args.only)
  if (ids !== undefined && ids.size === 0) throw new Error(`no test id starts with "${args.only}"`)
  const store: StoreKind = args.redis ? 'redis' : 'memory'

  if (args['relay-check']) {
    const copy = workingCopy(dir)
    try {
      const differences = await relayCheck(copy.dir, ids)
      for (const d of differences) console.log(d)
      console.log(`${differences.length} results differ between the origin and the relays`)
    } finally {
      copy.remove()
    }
    return 0
  }

  console.log(`${suite} from ${dir}; ${rows.length} rows at once, ${store} store${ids ? `, ${ids.size} tests` : ''}`)
  const copy = workingCopy(dir)
  let outcomes: RowOutcome[]
  try {
    // --only --verbose: the suite's own log of each request and response, which only a few tests keep readable.
    const dump = (row: string) => (ids !== undefined && args.verbose ? (line: string) => console.log(`[${row}] ${line}`) : undefined)
    outcomes = await Promise.all(rows.map((row) => runRow(row, copy.dir, scorer, store, ids, dump(row.name))))
  } finally {
    copy.remove()
  }
  const seconds = Math.round((Date.now() - started) / 1000)

  for (const o of outcomes) {
    if (o.status === 'skipped') console.log(`skipped ${o.row.name}: this larder rejects its options (${o.reason})`)
    else if (o.errors.length > 0) console.log(`WARNING ${o.row.name}: larder reported ${o.errors.length} errors, so its score is not only its HTTP behaviour; first: ${o.errors[0]}`)
  }

  if (ids !== undefined) {
    for (const line of selectionReport(outcomes, ids, scorer.files)) console.log(line)
    console.log(`\n${seconds}s`)
    return 0
  }

  const published = await publishedScores(dir, scorer)
  console.log(`\n${markdownTable(outcomes, published, store)}\n`)
  for (const o of outcomes) {
    if (o.status !== 'ok') continue
    const failing = o.score.failures.filter((f) => args.verbose || (f.kind === 'required' && o.row.config.name === 'rfc'))
    if (failing.length === 0) continue
    console.log(`${o.row.name}: ${args.verbose ? 'failing tests' : 'failing required tests'} (${failing.length})`)
    for (const f of failing) console.log(`  ${args.verbose ? `${f.kind} ` : ''}${failureLine(f, args.verbose)}`)
    console.log('')
  }
  // Only the run the baseline is about is "latest"; a --redis run of every row has its own file.
  const latest = args.redis ? LATEST.replace(/\.json$/, '-redis.json') : LATEST
  if (!partial) writeLatest(latest, outcomes, published, { suite, store, seconds })
  console.log(`${seconds}s${partial ? '' : `; results in ${latest}`}`)

  if (args['update-baseline']) {
    writeBaseline(BASELINE, buildBaseline(suite, outcomes, published))
    console.log(`baseline recorded in ${BASELINE}`)
  }
  if (args.check) {
    const { failures, notes } = compare(readBaseline(BASELINE), suite, outcomes, published)
    for (const n of notes) console.log(`note: ${n}`)
    if (failures.length > 0) {
      console.error(`conformance check FAILED against ${BASELINE}:`)
      for (const f of failures) console.error(`  - ${f}`)
      return 1
    }
    console.log('conformance check passed: no larder row below its baseline')
  }
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`conformance: ${err.message}`)
    process.exit(2)
  },
)
