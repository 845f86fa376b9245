import { Agent, request } from 'node:http'
import { median } from '../load.js'
import type { ServerProcess } from '../proc.js'
import { PREFIXES } from '../servers/fixtures.js'
import type { ServerSpec } from '../servers/spec.js'
import { fmt } from '../throughput.js'
import type { Context, ScenarioResult, Target } from '../model.js'

const DELAY_MS = PREFIXES['/stampede']

const VARIANTS: Array<{ label: string; spec: ServerSpec; protected: boolean }> = [
  { label: 'larder-express (memory)', spec: { framework: 'express', cache: 'larder', store: 'memory' }, protected: true },
  { label: 'larder-fastify (memory)', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, protected: true },
  { label: 'apicache', spec: { framework: 'express', cache: 'apicache', store: 'memory' }, protected: false },
  { label: 'Express, no cache', spec: { framework: 'express', cache: 'none' }, protected: false },
]

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

interface Burst {
  origin: number
  lastByteMs: number
  ok: number
}

/**
 * `concurrency` requests for one cold key, sent at once over connections opened beforehand (so
 * the burst is not spread out by connection set-up).
 */
async function burst(server: ServerProcess, concurrency: number, path: string): Promise<Burst> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  try {
    // Open the connections: a path with no route answers 404 without calling the origin.
    await Promise.all(Array.from({ length: concurrency }, () => get(agent, server.port, '/warm-up')))
    await server.origin(true)
    const start = performance.now()
    const statuses = await Promise.all(Array.from({ length: concurrency }, () => get(agent, server.port, path)))
    const lastByteMs = performance.now() - start
    const { originReads } = await server.origin()
    return { origin: originReads, lastByteMs, ok: statuses.filter((s) => s === 200).length }
  } finally {
    agent.destroy()
  }
}

export async function stampede(ctx: Context): Promise<ScenarioResult> {
  const { rounds, concurrency } = ctx.profile.stampede
  const servers = await Promise.all(VARIANTS.map((v) => ctx.servers.get(v.spec)))
  const bursts: Burst[][] = VARIANTS.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const b = await burst(servers[i]!, concurrency, `/stampede/users/${900_000 + r}`)
      bursts[i]!.push(b)
      ctx.log(`  round ${r + 1}/${rounds} ${VARIANTS[i]!.label}: ${b.origin} origin calls, last byte at ${Math.round(b.lastByteMs)} ms, ${b.ok}/${concurrency} ok`)
    }
  }
  const targets: Target[] = []
  const rows = VARIANTS.map((v, i) => {
    const list = bursts[i]!
    const calls = list.map((b) => b.origin)
    if (v.protected) {
      const worst = Math.max(...calls)
      targets.push({ name: `Stampede: 1 origin call per process (${v.label})`, met: worst === 1, detail: `${calls.join(', ')} origin call(s) in ${list.length} burst(s)` })
    }
    return [v.label, calls.join(', '), fmt.ms(median(list.map((b) => b.lastByteMs))), `${Math.min(...list.map((b) => b.ok))}/${concurrency}`]
  })
  return {
    id: 'stampede',
    title: '5. Stampede',
    about: `${concurrency} requests arrive at once for one cold key whose handler takes ${DELAY_MS} ms (connections are opened before the burst, so all requests are in flight together). Each burst uses a new key. Origin calls: how many times the handler ran; time to last byte: from sending the first request to receiving the end of the last response.`,
    tables: [{ columns: ['Server', 'origin calls per burst', 'time to last byte (median) ms', '200 responses (worst burst)'], rows }],
    targets,
    notes: [],
  }
}
