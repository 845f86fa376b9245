import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { connectRedis } from '../../shared/src/redis-db.js'
import { describeWithRedis, testRedisUrl } from '../../shared/src/redis-test.js'

// `pnpm demo:instances` end to end: the Express and Fastify examples as two processes on one Redis.
const script = fileURLToPath(new URL('../../instances.ts', import.meta.url))
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')

function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsxCli, '--conditions=source', script], { env: { ...process.env, REDIS_URL: testRedisUrl }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr })
    })
  })
}

/** Keys whose name contains `text` (SCAN: for this check only; the demo itself never scans). */
async function keysContaining(text: string): Promise<string[]> {
  const client = await connectRedis(testRedisUrl)
  try {
    const keys: string[] = []
    let cursor = '0'
    do {
      const page = await client.scan(cursor, { MATCH: `*${text}*`, COUNT: 1000 })
      cursor = String(page.cursor)
      keys.push(...page.keys)
    } while (cursor !== '0')
    return keys
  } finally {
    await client.close()
  }
}

await describeWithRedis('pnpm demo:instances: invalidation across two processes sharing Redis', () => {
  it('exits 0; Fastify HITs what Express cached; after the PUT through Fastify, Express MISSes and reads the new name; no keys are left', async () => {
    const { code, output } = await runDemo()
    expect(code, output).toBe(0)
    const rows = output.split('\n').filter((l) => /^\s+(GET|PUT) \/users\/1 /.test(l))
    expect(
      rows.map((l) => l.trim().split(/\s+/).slice(0, 5).join(' ')),
      output,
    ).toEqual([
      'GET /users/1 Express 200 MISS',
      'GET /users/1 Express 200 HIT',
      'GET /users/1 Fastify 200 HIT',
      'PUT /users/1 Fastify 200 -',
      'GET /users/1 Express 200 MISS',
      'GET /users/1 Express 200 HIT',
      'GET /users/1 Fastify 200 HIT',
    ])
    expect(rows[4]).toContain('read "Ada King"')
    expect(output).not.toContain('UNEXPECTED')

    const prefix = /removed the keys under (\S+)/.exec(output)?.[1]
    expect(prefix, output).toMatch(/^larder-demo-[0-9a-f]{8}$/)
    expect(await keysContaining(prefix!)).toEqual([])
  }, 40_000)
})
