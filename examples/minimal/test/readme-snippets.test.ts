import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { codeBlocks, excerptFile, linesNotInExcerptFile, markedFile, readmePaths, syncedReadme, type CodeBlock } from '@larder/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Every code block of the READMEs works as pasted into a new project: each is type-checked alone
// under --strict, as a user's app.ts would be, and run unless its snippet comment says why not.
// A block marked `<!-- snippet: file <path> -->` is that file verbatim (`pnpm readme:sync` copies
// it); the file's own test runs it. A block marked `<!-- snippet: excerpt <path> -->` quotes lines of
// that file (the example apps' READMEs), which the file's own tests cover.
const root = fileURLToPath(new URL('../../..', import.meta.url))
const here = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
const tsxCli = require.resolve('tsx/cli')

const CODE: Record<string, string> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' }
/** Blocks that are not code a project runs: commands, output. */
const NOT_CODE = new Set(['sh', 'bash', 'shell', 'console', 'text'])

const blocks = readmePaths(root).flatMap((readme) => codeBlocks(root, readme))
const code = blocks.filter((b) => CODE[b.lang] !== undefined)
const excerpts = code.filter((b) => excerptFile(b) !== undefined)
const pasted = code.filter((b) => excerptFile(b) === undefined)
const name = (b: CodeBlock): string => `${b.readme}:${b.line}`
const fileName = (b: CodeBlock): string => `${b.readme.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${b.line}.${CODE[b.lang]}`
/** Why a block is not run, from `<!-- snippet: typecheck only: <why> -->`. */
const typecheckOnly = (b: CodeBlock): string | undefined => /^typecheck only:\s*(\S[\s\S]*)$/.exec(b.marker ?? '')?.[1]

function run(args: string[], cwd: string, timeout: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr })
    })
  })
}

describe('README code blocks', () => {
  it('every block is covered: code is checked here, anything else is tagged as not code', () => {
    expect(code.length).toBeGreaterThanOrEqual(6)
    const uncovered = blocks.filter((b) => CODE[b.lang] === undefined && !NOT_CODE.has(b.lang)).map((b) => `${name(b)} (\`\`\`${b.lang})`)
    expect(uncovered, 'blocks neither checked as code nor tagged sh/text').toEqual([])
    const badMarkers = code.filter((b) => b.marker !== undefined && markedFile(b) === undefined && excerptFile(b) === undefined && typecheckOnly(b) === undefined).map(name)
    expect(badMarkers, 'snippet comments other than `file <path>`, `excerpt <path>` or `typecheck only: <why>`').toEqual([])
    const missingTests = code.flatMap((b) => (typecheckOnly(b)?.match(/\S+\.test\.ts/g) ?? []).filter((t) => !existsSync(join(root, t))).map((t) => `${name(b)}: ${t}`))
    expect(missingTests, 'tests that blocks say run them').toEqual([])
  })

  it('each block marked with a file is that file as it is (pnpm readme:sync updates them)', () => {
    const marked = code.filter((b) => markedFile(b) !== undefined)
    expect(marked.length).toBeGreaterThanOrEqual(2)
    for (const b of marked) expect(existsSync(join(root, markedFile(b)!)), `${name(b)}: ${markedFile(b)}`).toBe(true)
    for (const readme of readmePaths(root)) {
      const text = readFileSync(join(root, readme), 'utf8')
      expect(text === syncedReadme(root, readme, text), `${readme} differs from the files its blocks show: run pnpm readme:sync`).toBe(true)
    }
  })

  it('each excerpt block quotes its file', () => {
    for (const b of excerpts) {
      expect(existsSync(join(root, excerptFile(b)!)), `${name(b)}: ${excerptFile(b)}`).toBe(true)
      expect(linesNotInExcerptFile(root, b), `${name(b)}: lines not in ${excerptFile(b)}`).toEqual([])
    }
  })

  describe('as pasted into a new project', () => {
    let dir = ''
    let diagnostics = ''
    beforeAll(async () => {
      // Inside this package, so the imports resolve as in an app that depends on larder's packages.
      dir = await mkdtemp(join(here, '.readme-snippet-'))
      for (const b of pasted) await writeFile(join(dir, fileName(b)), b.code)
      // What `tsc --init` and a strict ESM project amount to; the packages resolve to their sources.
      const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', customConditions: ['source'], strict: true, skipLibCheck: true, noEmit: true, allowJs: true, checkJs: true, types: ['node'] }
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts', '*.js'] }))
      const result = await run([tsc, '-p', dir], dir, 120_000)
      diagnostics = result.code === 0 ? '' : result.output || `tsc exited with ${result.code}`
    }, 150_000)
    afterAll(async () => {
      if (dir !== '') await rm(dir, { recursive: true, force: true })
    })

    it.each(pasted.map((b) => [name(b), b] as const))('%s compiles under --strict', (_name, b) => {
      expect(diagnostics.split('\n').filter((l) => l.startsWith(fileName(b))).join('\n')).toBe('')
    })

    it('tsc reports nothing else', () => {
      expect(diagnostics).toBe('')
    })

    const runnable = pasted.filter((b) => markedFile(b) === undefined && typecheckOnly(b) === undefined)
    it.each(runnable.map((b) => [name(b), b] as const))('%s runs and exits', async (_name, b) => {
      const { code: exit, output } = await run([tsxCli, '--conditions=source', join(dir, fileName(b))], dir, 15_000)
      expect(exit, output).toBe(0)
    })
  })
})
