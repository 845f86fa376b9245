import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { fetchFrom, freePort } from '@larder/testkit'
import { afterEach, describe, expect, it } from 'vitest'

// The minimal apps the READMEs show, run as a user runs them (`npx tsx app.ts`): they cache, a PUT
// invalidates, an opted-out route bypasses.
const here = fileURLToPath(new URL('..', import.meta.url))
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')

let child: ChildProcess | undefined
afterEach(() => {
  child?.kill()
  child = undefined
})

/** Starts the app on a free port; resolves with its base URL once it prints that it listens. */
async function start(file: string): Promise<string> {
  const port = await freePort()
  const proc = spawn(process.execPath, [tsxCli, '--conditions=source', file], { cwd: here, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
  child = proc
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 15 s:\n${output}`)), 15_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(`http://localhost:${port}/users/42`)) {
        clearTimeout(timer)
        resolve()
      }
    }
    proc.stdout.on('data', read)
    proc.stderr.on('data', read)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${file} exited with ${code}:\n${output}`))
    })
  })
  return `http://localhost:${port}`
}

describe.each(['src/express.ts', 'src/fastify.ts'])('the minimal app %s', (file) => {
  it('caches a read, invalidates it on a PUT, and leaves the opted-out route alone', async () => {
    const base = await start(file)
    const miss = await fetchFrom(base, '/users/42')
    expect([miss.status, miss.cache, miss.json()]).toEqual([200, 'MISS', { id: '42', name: 'Ada' }])
    expect((await fetchFrom(base, '/users/42')).cache).toBe('HIT')
    const put = await fetchFrom(base, '/users/42', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"Grace"}' })
    expect([put.status, put.json()]).toEqual([200, { id: '42', name: 'Grace' }])
    const fresh = await fetchFrom(base, '/users/42')
    expect([fresh.cache, fresh.json()]).toEqual(['MISS', { id: '42', name: 'Grace' }])
    expect((await fetchFrom(base, '/users/42')).cache).toBe('HIT')
    const unknown = await fetchFrom(base, '/users/7')
    expect([unknown.status, unknown.cache]).toEqual([404, 'MISS'])
    expect((await fetchFrom(base, '/users/7')).cache).toBe('MISS') // 404s are not stored
    expect((await fetchFrom(base, '/live')).cache).toBe('BYPASS')
    expect((await fetchFrom(base, '/live')).cache).toBe('BYPASS')
  })
})
