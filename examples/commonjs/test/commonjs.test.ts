import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

// CommonJS consumers load the built packages (dist/index.cjs and dist/index.d.cts), never the
// sources: `pnpm test` builds before it runs the suites.
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))
const packages = ['core/dist/index.cjs', 'core/dist/adapter.cjs', 'core/dist/store.cjs', ...['express', 'fastify', 'redis', 'store-tests'].map((name) => `${name}/dist/index.cjs`)].map((path) => here(`../../../packages/${path}`))

function run(file: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: here('..'), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr })
    })
  })
}

it('the packages are built (pnpm build) for the CommonJS checks', () => {
  expect(packages.filter((p) => !existsSync(p))).toEqual([])
})

it('a CommonJS app requires every package and caches on Express and Fastify', async () => {
  const { code, output } = await run(process.execPath, [here('../src/app.cjs')])
  expect(output.trim().split('\n')).toEqual([
    'express MISS {"hello":"express"}',
    'express HIT {"hello":"express"}',
    'fastify MISS {"hello":"fastify"}',
    'fastify HIT {"hello":"fastify"}',
    'redis redis',
    'error true',
    'entries true',
  ])
  expect(code).toBe(0)
})

it('a CommonJS TypeScript file type-checks against the .d.cts declarations', async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const { code, output } = await run(process.execPath, [tsc, '-p', here('../types/tsconfig.json'), '--listFiles'])
  expect(code, output).toBe(0)
  for (const name of ['core', 'express', 'fastify', 'redis', 'store-tests']) expect(output).toContain(`packages/${name}/dist/index.d.cts`)
})

// vitest runs every test file as an ES module, so a CommonJS package's tests import the suite; its
// require entry exists for the .d.cts declarations (checked above) and, like vitest's own, says so.
it('require(\'@larder/store-tests\') fails with vitest\'s message that vitest is imported, not required', async () => {
  const { code, output } = await run(process.execPath, ['-e', "require('@larder/store-tests')"])
  expect(output).toContain('Vitest cannot be imported in a CommonJS module using require()')
  expect(output).toContain('packages/store-tests/dist/index.cjs')
  expect(code).toBe(1)
})
