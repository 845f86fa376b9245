import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { codeBlocks, describeRedis, freePort, useRedis } from '@larder/testkit'
import { afterAll, expect, it } from 'vitest'

// The Redis set-up the READMEs give, run exactly as written: it must start the app whether Redis
// is up or not ("Redis down at start → BYPASS"), which an awaited connect() did not.
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
const repoDir = join(packageDir, '../..')
const THIS_TEST = 'packages/redis/test/readme-setup.test.ts'

/** The block of `readme` whose snippet comment says this test runs it. */
function snippet(readme: string): string {
  const found = codeBlocks(repoDir, readme).filter((b) => b.marker?.includes(THIS_TEST))
  expect(found.map((b) => b.line), `one block of ${readme} marked as run by ${THIS_TEST}`).toHaveLength(1)
  return found[0]!.code
}

const rootSnippet = snippet('README.md')
const packageSnippet = snippet('packages/redis/README.md')

// After the snippet: say the app started, then (when told to) wait until the client is ready.
const PROBE = `
console.log('started')
if (process.env.WAIT_READY) {
  const until = Date.now() + 10_000
  while (!client.isReady && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
  console.log(client.isReady ? 'ready' : 'not ready')
}
await cache.close()
client.destroy()
`

let dir: string | undefined
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

async function runSnippet(redisUrl: string, waitReady: boolean): Promise<{ code: number | null; output: string }> {
  // Inside the package, so its imports resolve as in an app that depends on these packages.
  dir ??= await mkdtemp(join(packageDir, '.readme-snippet-'))
  const file = join(dir, 'setup.ts')
  await writeFile(file, rootSnippet + PROBE)
  const env = { ...process.env, REDIS_URL: redisUrl, WAIT_READY: waitReady ? '1' : '' }
  return new Promise((resolve) => {
    execFile(process.execPath, [tsxCli, '--conditions=source', file], { env, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr })
    })
  })
}

it('the root README and the @larder/redis README give the same set-up', async () => {
  expect(packageSnippet).toBe(rootSnippet)
})

it('with Redis down, the README set-up starts the app at once', async () => {
  const { code, output } = await runSnippet(`redis://127.0.0.1:${await freePort()}`, false)
  expect(output).toContain('started')
  expect(code, output).toBe(0)
})

describeRedis('the README set-up with Redis up', 'redis', () => {
  const redis = useRedis()
  it('starts, and the client connects', async () => {
    const { code, output } = await runSnippet(redis.url, true)
    expect(output).toContain('started')
    expect(output).toContain('ready')
    expect(output).not.toContain('not ready')
    expect(code, output).toBe(0)
  })
})
