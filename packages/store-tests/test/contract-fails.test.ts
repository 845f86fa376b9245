import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url))
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string }[] }[]
}

// A suite that every store passes proves nothing: this one must fail a store that ignores its
// marks, exactly on the fill-race clauses, and pass it on the rest.
it('fails a store that ignores the fill race, on the fill-race clauses only', async () => {
  const report = await new Promise<JsonReport>((resolve, reject) => {
    execFile(process.execPath, [vitest, 'run', '--root', fixtures, '--reporter=json'], { cwd: fixtures, timeout: 60_000 }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout) as JsonReport)
      } catch {
        reject(new Error(`no JSON report from the nested vitest (${String(error)}): ${stderr}`))
      }
    })
  })
  const results = report.testResults.flatMap((file) => file.assertionResults)
  const failed = results.filter((r) => r.status !== 'passed').map((r) => r.title)
  expect(failed.sort()).toEqual(['clear() removes every entry and refuses fills marked before it', 'mark → invalidate by key → set is refused', 'mark → invalidate by path → set is refused', 'mark → invalidate by tag → set is refused'])
  expect(results.length).toBe(21)
})
