/**
 * One server under test, in its own process: `main.ts '<ServerSpec JSON>'`. It prints
 * `port <n>` when listening, answers { type: 'stats' } over the fork IPC channel with its origin
 * call counts and CPU time, and exits on SIGTERM after closing its stores.
 */
import { createServer, type Server } from 'node:http'
import { CONTENT_TYPE, Origin, PREBUILT } from './fixtures.js'
import type { ControlMessage, ServerMessage, ServerSpec } from './spec.js'
import { closers } from './stores.js'

async function start(spec: ServerSpec, origin: Origin): Promise<Server> {
  switch (spec.framework) {
    case 'node': {
      // The physical ceiling: node:http answering a Buffer.
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': PREBUILT.byteLength })
        res.end(PREBUILT)
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return server
    }
    case 'express':
      return (await import('./express.js')).expressServer(spec, origin)
    case 'fastify':
      return (await import('./fastify.js')).fastifyServer(spec, origin)
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec
const origin = new Origin()
const send = (m: ServerMessage): void => void process.send?.(m)

// CPU time is counted from the last reset, so the runner can divide it by the requests of a round:
// unlike req/s, it does not depend on how the load generator got scheduled on the shared cores.
let cpuAtReset = process.cpuUsage()
process.on('message', (m: ControlMessage) => {
  const cpu = process.cpuUsage(cpuAtReset)
  if (m.type === 'reset') {
    origin.reset()
    cpuAtReset = process.cpuUsage()
  }
  send({ type: 'stats', originCalls: origin.calls, originReads: origin.reads, originWrites: origin.writes, cpuMicros: cpu.user + cpu.system })
})

let stopping = false
process.on('SIGTERM', () => {
  if (stopping) return
  stopping = true
  Promise.allSettled(closers.map((close) => close())).finally(() => process.exit(0))
})

start(spec, origin).then(
  (server) => {
    const address = server.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    console.log(`port ${port}`)
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(1)
  },
)
