import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

// Express has no logger of its own: larder's reasons go to Node's debug log (NODE_DEBUG=larder).
const fixture = fileURLToPath(new URL('./fixtures/debug-app.ts', import.meta.url))
const tsx = createRequire(import.meta.url).resolve('tsx')

function runApp(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--conditions=source', '--import', tsx, fixture], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, _stdout, stderr) =>
      error ? reject(error) : resolve(stderr),
    )
  })
}

it('with NODE_DEBUG=larder, each bypass and each response not stored is logged with its reason', async () => {
  const lines = (await runApp({ NODE_DEBUG: 'larder' })).split('\n').filter((l) => l.startsWith('LARDER '))
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(/: not stored GET \/private \(private\)$/)
  expect(lines[1]).toMatch(/: bypass GET \/public \(override-header\)$/)
})

it('without it, nothing is printed', async () => {
  expect(await runApp({ NODE_DEBUG: '' })).not.toContain('LARDER')
})
