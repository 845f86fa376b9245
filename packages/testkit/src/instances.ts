import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Instance {
  url: string
  stop(): Promise<void>
}

const here = dirname(fileURLToPath(import.meta.url))
const tsxCli = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs')

/** Starts `instance-server.ts` as a separate Node process and waits for it to listen. */
export function startInstance(framework: 'express' | 'fastify', env: { REDIS_URL: string; PREFIX: string }): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, [tsxCli, '--conditions=source', join(here, 'instance-server.ts')], {
    env: { ...process.env, ...env, FRAMEWORK: framework },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${framework} instance did not start within 30s:\n${output}`))
    }, 30_000)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const m = /READY (\S+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve({
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done()
              child.once('exit', () => done())
              child.kill('SIGTERM')
            }),
        })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${framework} instance exited with ${code}:\n${output}`))
    })
  })
}
