import type { RawResults, SuiteFile } from './suite.js'

export type Kind = 'required' | 'optimal'

export interface Tally {
  passed: number
  total: number
}

export interface Failure {
  id: string
  name: string
  file: string
  kind: Kind
  /** The suite's verdict symbol name: fail, optional_fail, dependency_fail, setup_fail, harness_fail, retry, untested. */
  verdict: string
  message: string
  /** For a dependency failure: the tests it depends on that did not pass (fix those first). */
  failedDependencies?: string[]
}

export interface Score {
  required: Tally
  optimal: Tally
  /** Tests left out of the totals: the suite could not set them up (its 🔹), or they were not run. */
  unscored: { required: number; optimal: number }
  failures: Failure[]
  /** The ids of the tests passed (required and optimal). */
  passing: string[]
}

export interface Scorer {
  files: SuiteFile[]
  determineTestResult: (files: SuiteFile[], id: string, results: RawResults, honorDependencies?: boolean) => unknown
  resultTypes: Record<string, unknown>
}

/** A test's kind as cache-tests.fyi counts it: absent means required; 'check' tests are not scored. */
export function kindOf(kind: string | undefined): Kind | undefined {
  if (kind === undefined || kind === 'required') return 'required'
  if (kind === 'optimal') return 'optimal'
  return undefined
}

/** Passed as a dependency: a pass, or a 'check' test's yes (the suite's own passTypes). */
function passed(scorer: Scorer, id: string, results: RawResults): boolean {
  const verdict = scorer.determineTestResult(scorer.files, id, results)
  return verdict === scorer.resultTypes['pass'] || verdict === scorer.resultTypes['yes']
}

/** Verdicts that are no verdict on the cache: the test was not run, or its own setup did not hold. */
const UNSCORED = new Set(['untested', 'setup_fail'])

/**
 * Scores raw results the way the published figures are computed: each test's verdict from the
 * suite's own determineTestResult (dependencies honoured, so a test whose dependency failed is not
 * passed); a test counts in its kind's total unless it was not run (browser-only tests, on a proxy)
 * or its setup failed. That rule, and only it among the plausible ones, gives every published
 * percentage (README: "How scoring works").
 */
export function score(scorer: Scorer, results: RawResults): Score {
  const names = new Map(Object.entries(scorer.resultTypes).map(([name, symbol]) => [symbol, name]))
  const tally = { required: { passed: 0, total: 0 }, optimal: { passed: 0, total: 0 } }
  const unscored = { required: 0, optimal: 0 }
  const failures: Failure[] = []
  const passing: string[] = []
  for (const file of scorer.files) {
    for (const test of file.tests) {
      const kind = kindOf(test.kind)
      if (kind === undefined) continue
      const verdict = names.get(scorer.determineTestResult(scorer.files, test.id, results)) ?? 'unknown'
      if (verdict === 'untested') {
        unscored[kind]++
        continue
      }
      if (verdict === 'pass') {
        tally[kind].passed++
        tally[kind].total++
        passing.push(test.id)
        continue
      }
      if (UNSCORED.has(verdict)) unscored[kind]++
      else tally[kind].total++
      const raw = results[test.id]
      const message = raw === undefined || raw === true ? '' : raw.join(': ')
      const failure: Failure = { id: test.id, name: test.name, file: file.id, kind, verdict, message }
      if (verdict === 'dependency_fail') {
        failure.failedDependencies = (test.depends_on ?? []).filter((dep) => !passed(scorer, dep, results))
      }
      failures.push(failure)
    }
  }
  return { ...tally, unscored, failures, passing }
}

export function percent(t: Tally): number {
  return t.total === 0 ? 0 : Math.round((100 * t.passed) / t.total)
}
