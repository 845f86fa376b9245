import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** One test's raw result as the suite records it: true, or [error name, message]. */
export type RawResult = true | [string, string]
export type RawResults = Record<string, RawResult>

export interface SuiteTest {
  id: string
  name: string
  kind?: 'required' | 'optimal' | 'check'
  depends_on?: string[]
  browser_only?: boolean
}
export interface SuiteFile {
  id: string
  name: string
  tests: SuiteTest[]
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The suite's folder: CACHE_TESTS_DIR, relative to the repository root (not the cwd, which pnpm
 * sets to the package), default ../shared/cache-tests. Missing is an error, never a skipped run:
 * a gate that skips silently would pass on every machine without the suite.
 */
export function suiteDir(): string {
  const dir = resolve(REPO_ROOT, process.env['CACHE_TESTS_DIR'] ?? '../shared/cache-tests')
  if (!existsSync(join(dir, 'tests', 'index.mjs')) || !existsSync(join(dir, 'test-engine', 'lib', 'results.mjs'))) {
    throw new Error(`the RFC 9111 suite (http-tests/cache-tests) is not at ${dir}: set CACHE_TESTS_DIR to its folder (relative to ${REPO_ROOT} or absolute), e.g. CACHE_TESTS_DIR=../shared/cache-tests`)
  }
  return dir
}

export function repoRoot(): string {
  return REPO_ROOT
}

/**
 * A writable copy of the suite with undici beside it: the interim-response tests import undici
 * from the suite's own folder, and the suite's folder is read-only material.
 */
export function workingCopy(source: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'larder-cache-tests-'))
  for (const part of ['package.json', 'test-engine', 'tests']) cpSync(join(source, part), join(dir, part), { recursive: true })
  mkdirSync(join(dir, 'node_modules'))
  const undici = dirname(realpathSync(createRequire(import.meta.url).resolve('undici/package.json')))
  symlinkSync(undici, join(dir, 'node_modules', 'undici'), 'dir')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The suite's tests (tests/index.mjs) and its result classifier (test-engine/lib/results.mjs). */
export async function loadSuite(dir: string): Promise<{ files: SuiteFile[]; determineTestResult: (files: SuiteFile[], id: string, results: RawResults, honorDependencies?: boolean) => unknown; resultTypes: Record<string, unknown> }> {
  const files = (await import(pathToFileURL(join(dir, 'tests', 'index.mjs')).href)).default as SuiteFile[]
  const lib = await import(pathToFileURL(join(dir, 'test-engine', 'lib', 'results.mjs')).href)
  return { files, determineTestResult: lib.determineTestResult, resultTypes: lib.resultTypes }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolvePort(port))
    })
  })
}

export interface Origin {
  url: string
  stop(): Promise<void>
}

/** The suite's origin server (test-engine/server/server.mjs) on a free port. */
export async function startOrigin(copy: string): Promise<Origin> {
  const port = await freePort()
  const child = spawn(process.execPath, [join(copy, 'test-engine', 'server', 'server.mjs')], {
    cwd: copy,
    env: { ...process.env, npm_config_port: String(port), npm_config_protocol: 'http', npm_config_pidfile: join(copy, `origin-${port}.pid`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  await new Promise<void>((ready, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Listening on')) ready()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => fail(new Error(`the suite's origin server exited (${code}) before listening:\n${output}`)))
  })
  return { url: `http://localhost:${port}`, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}

/** The tests to run: all, or those whose id starts with `only`, with what they depend on (else they would count as dependency failures). */
export function selectTests(files: SuiteFile[], only: string | undefined): Set<string> | undefined {
  if (only === undefined) return undefined
  const byId = new Map(files.flatMap((f) => f.tests.map((t) => [t.id, t] as const)))
  const chosen = new Set<string>()
  const add = (id: string) => {
    if (chosen.has(id)) return
    chosen.add(id)
    for (const dep of byId.get(id)?.depends_on ?? []) add(dep)
  }
  for (const id of byId.keys()) if (id.startsWith(only)) add(id)
  return chosen
}

/**
 * Runs the suite's client against `base` in a child process, as test-engine/cli.mjs does
 * (runTests(tests, false, base) then getResults()), restricted to `ids` when given, and returns its
 * raw results. The child keeps the client's module-level state apart per run. With `dump`, the
 * client logs every request and response of the tests it runs (its own single-test mode), line by line.
 */
export async function runClient(copy: string, base: string, ids: Set<string> | undefined, dump?: (line: string) => void): Promise<RawResults> {
  const out = join(copy, `results-${process.pid}-${Math.random().toString(36).slice(2)}.json`)
  const driver = `
    import { writeFileSync } from 'node:fs'
    const { runTests, getResults } = await import(${JSON.stringify(pathToFileURL(join(copy, 'test-engine', 'client', 'runner.mjs')).href)})
    const all = (await import(${JSON.stringify(pathToFileURL(join(copy, 'tests', 'index.mjs')).href)})).default
    const ids = ${ids === undefined ? 'undefined' : `new Set(${JSON.stringify([...ids])})`}
    const tests = ids === undefined ? all : all.map((f) => ({ ...f, tests: f.tests.filter((t) => ids.has(t.id)) })).filter((f) => f.tests.length > 0)
    if (${dump !== undefined}) for (const f of tests) for (const t of f.tests) t.dump = true
    await runTests(tests, false, ${JSON.stringify(base)})
    writeFileSync(${JSON.stringify(out)}, JSON.stringify(getResults()))
  `
  const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', driver], { cwd: copy, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (c: Buffer) => {
    log += c.toString()
    if (dump !== undefined) for (const line of c.toString().split('\n')) if (line !== '') dump(line)
  })
  child.stderr.on('data', (c: Buffer) => (log += c.toString()))
  const code = await new Promise<number | null>((done) => child.once('exit', done))
  if (code !== 0 || !existsSync(out)) throw new Error(`the suite's client failed (exit ${code}):\n${log}`)
  return JSON.parse(readFileSync(out, 'utf8')) as RawResults
}

/** Which suite this is: the upstream commit its copy names (UPSTREAM), else its package version. */
export function suiteVersion(dir: string): string {
  const upstream = join(dir, 'UPSTREAM')
  if (existsSync(upstream)) return `http-tests/cache-tests@${readFileSync(upstream, 'utf8').trim().split(/\s+/)[0]?.slice(0, 7)}`
  return `http-tests/cache-tests v${(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version}`
}
