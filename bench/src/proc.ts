import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { describeSpec, type ControlMessage, type ServerMessage, type ServerSpec } from './servers/spec.js'

const MAIN = fileURLToPath(new URL('./servers/main.ts', import.meta.url))
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url))

export interface OriginCounts {
  originCalls: number
  originReads: number
  originWrites: number
  /** Server CPU time since the last reset, in µs. */
  cpuMicros: number
}

/** A server under test, running in its own process. */
export class ServerProcess {
  private constructor(
    readonly spec: ServerSpec,
    readonly name: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get pid(): number {
    return this.child.pid!
  }

  /**
   * Forks `servers/main.ts` for `spec` and waits for the port it prints. `nodeArgs` are extra Node
   * flags (for example `--cpu-prof`); `wrapper` runs Node under another program (valgrind, say).
   * NODE_ENV=production, as a deployment would run.
   */
  static async start(spec: ServerSpec, nodeArgs: readonly string[] = [], wrapper?: { command: string; args: readonly string[] }): Promise<ServerProcess> {
    const nodeFlags = ['--import', 'tsx', ...nodeArgs]
    const child = fork(MAIN, [JSON.stringify(spec)], {
      cwd: BENCH_DIR,
      ...(wrapper === undefined ? { execArgv: nodeFlags } : { execPath: wrapper.command, execArgv: [...wrapper.args, process.execPath, ...nodeFlags] }),
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    let stderr = ''
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /^port (\d+)$/m.exec(out)
        if (m) resolve(Number(m[1]))
      })
      child.once('exit', (code) => reject(new Error(`${describeSpec(spec)} exited with ${code}: ${stderr.trim()}`)))
    })
    return new ServerProcess(spec, describeSpec(spec), port, child)
  }

  /** Origin call counts; `reset` zeroes them after reading. */
  async origin(reset = false): Promise<OriginCounts> {
    const reply = once(this.child, 'message') as Promise<[ServerMessage]>
    this.child.send({ type: reset ? 'reset' : 'stats' } satisfies ControlMessage)
    const [m] = await reply
    return { originCalls: m.originCalls, originReads: m.originReads, originWrites: m.originWrites, cpuMicros: m.cpuMicros }
  }

  /** SIGTERM, then wait for it to close its stores (and write its CPU profile, if any). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

/**
 * The servers of a run, started on first use and kept for later scenarios (every server serves
 * every route, so starting each variant once keeps the run short). Stopped at the end of the run.
 */
export class ServerPool {
  private readonly servers = new Map<string, Promise<ServerProcess>>()

  get(spec: ServerSpec): Promise<ServerProcess> {
    const name = describeSpec(spec)
    let server = this.servers.get(name)
    if (server === undefined) {
      server = ServerProcess.start(spec)
      this.servers.set(name, server)
    }
    return server
  }

  async stopAll(): Promise<void> {
    const all = await Promise.allSettled(this.servers.values())
    this.servers.clear()
    await Promise.all(all.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)))
  }
}

/**
 * Runs a measurement script in a fresh Node process (its own heap, flags such as --expose-gc) and
 * returns the JSON it prints as its last line of output.
 */
export async function runScript<T>(script: URL, args: readonly string[], nodeArgs: readonly string[] = []): Promise<T> {
  const child = fork(fileURLToPath(script), [...args], {
    cwd: BENCH_DIR,
    execArgv: ['--import', 'tsx', ...nodeArgs],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  const last = out.trim().split('\n').pop() ?? ''
  if (code !== 0) throw new Error(`${fileURLToPath(script)} exited with ${code}: ${err.trim() || last}`)
  return JSON.parse(last) as T
}
