import { readdirSync, renameSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarise, summaryMarkdown } from './cpuprofile.js'
import { load } from './load.js'
import { ServerProcess } from './proc.js'
import type { ServerSpec } from './servers/spec.js'
import type { Context } from './model.js'

const HIT = '/users/1'
const MISS = '/nostore/users/1'
const larder = (framework: 'express' | 'fastify'): ServerSpec => ({ framework, cache: 'larder', store: 'memory' })
const bare = (framework: 'express' | 'fastify'): ServerSpec => ({ framework, cache: 'none' })

const TARGETS: Array<{ name: string; spec: ServerSpec; path: string }> = [
  { name: 'express-larder-hit', spec: larder('express'), path: HIT },
  { name: 'express-ceiling', spec: { framework: 'express', cache: 'ceiling' }, path: HIT },
  { name: 'fastify-larder-hit', spec: larder('fastify'), path: HIT },
  { name: 'fastify-ceiling', spec: { framework: 'fastify', cache: 'ceiling' }, path: HIT },
  { name: 'express-larder-miss', spec: larder('express'), path: MISS },
  { name: 'express-bare-miss', spec: bare('express'), path: MISS },
  { name: 'fastify-larder-miss', spec: larder('fastify'), path: MISS },
  { name: 'fastify-bare-miss', spec: bare('fastify'), path: MISS },
]

/**
 * Runs larder servers under `node --cpu-prof` on the hit path (and the ceilings, for comparison) and
 * on the never-cacheable miss path (and the bare routes), and summarises where their CPU time went:
 * results/<name>.cpuprofile and results/profile.md.
 */
export async function profileHitPath(ctx: Context, results: URL): Promise<void> {
  const seconds = ctx.profile.quick ? 3 : 10
  const sections: string[] = ['# Hit- and miss-path CPU profiles', '', `Each server was loaded with GET ${HIT} (cache hits) or GET ${MISS} (Cache-Control: no-store, never stored) (${ctx.profile.connections} connections, ${seconds} s) under \`node --cpu-prof\`. Self time is time spent in the function itself; total includes what it calls. µs/req divides by every request the process served (warm-up included); process start-up (a few hundred ms) is in the busy time too.`]
  for (const t of TARGETS) {
    const dir = mkdtempSync(join(tmpdir(), 'larder-prof-'))
    const server = await ServerProcess.start(t.spec, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
    let requests = 0
    try {
      const warm = await load({ url: server.url + t.path, seconds: 1, connections: ctx.profile.connections })
      const r = await load({ url: server.url + t.path, seconds, connections: ctx.profile.connections })
      requests = warm.requests + r.requests
      ctx.log(`  ${t.name}: ${Math.round(r.rps)} req/s under the profiler`)
    } finally {
      await server.stop()
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`${t.name}: no .cpuprofile written`)
    const target = fileURLToPath(new URL(`${t.name}.cpuprofile`, results))
    renameSync(join(dir, file), target)
    rmSync(dir, { recursive: true, force: true })
    const summary = summarise(target)
    const md = summaryMarkdown(t.name, summary, 25, requests)
    console.log('\n' + md)
    sections.push('', md)
  }
  writeFileSync(new URL('profile.md', results), sections.join('\n') + '\n')
  ctx.log('\nWrote bench/results/profile.md and bench/results/*.cpuprofile')
}
