import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

/** Whether an executable is on PATH (checked synchronously, so suites can decide to skip while being collected). */
export function onPath(binary: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, binary), constants.X_OK)
      return true
    } catch {
      // not in this directory
    }
  }
  return false
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free local port. With `bus`, port + 10000 (Redis Cluster's bus port) is free too, so the port is
 * drawn from 20000-29999 rather than the ephemeral range.
 */
export async function freePort(options: { bus?: boolean } = {}): Promise<number> {
  if (!options.bus) {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const port = (server.address() as { port: number }).port
    await new Promise((resolve) => server.close(resolve))
    return port
  }
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 10000)
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port
  }
  throw new Error('no free port pair (p, p+10000) found in 20000-29999')
}

/** Runs `redis-cli -h 127.0.0.1 -p <port> <args…>` and answers its output (trimmed). */
export function redisCli(port: number, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message} ${stderr}`))
      else resolve(stdout.trim())
    })
  })
}

export const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const running = new Set<RedisServer>()
process.once('exit', () => {
  // A test run that ends early must not leave servers behind.
  for (const server of running) server.killNow()
})

export interface RedisServerOptions {
  /** Default: a free port. */
  port?: number
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  args?: readonly string[]
}

/**
 * A real redis-server child process on 127.0.0.1, in a temporary directory, with persistence off
 * (`--save '' --appendonly no`) and DEBUG enabled for local clients (for DEBUG SLEEP). It can be
 * stopped, killed and started again on the same port.
 */
export class RedisServer {
  readonly host = '127.0.0.1'
  readonly dir: string
  private proc: ChildProcess | undefined
  private output = ''

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `larder-redis-${port}-`))
  }

  /** Starts a server; without a port it picks a free one (and retries once if another process took it first). */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const attempts = options.port === undefined ? 3 : 1
    let last: unknown
    for (let i = 0; i < attempts; i++) {
      const server = new RedisServer(options.port ?? (await freePort()), options.args ?? [])
      try {
        await server.start()
        return server
      } catch (e) {
        last = e
        await server.stop()
      }
    }
    throw last
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`
  }

  get isRunning(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null
  }

  /** Starts the process (again, on the same port) and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.isRunning) return
    const args = ['--port', String(this.port), '--bind', this.host, '--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'local', ...this.extraArgs]
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.output = ''
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4000)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    this.proc = proc
    running.add(this)
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (!this.isRunning) break
      try {
        if ((await redisCli(this.port, ['PING'], 1000)) === 'PONG') return
      } catch {
        // not listening yet
      }
      await sleepMs(25)
    }
    const output = this.output
    await this.kill()
    throw new Error(`redis-server on port ${this.port} did not start:\n${output}`)
  }

  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void> {
    return this.end('SIGTERM')
  }

  /** SIGKILL (a crash: no goodbye to clients) and wait for the process to exit. */
  kill(): Promise<void> {
    return this.end('SIGKILL')
  }

  /** Stops the server for good and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop()
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** Synchronous SIGKILL, for process exit. */
  killNow(): void {
    if (this.isRunning) this.proc?.kill('SIGKILL')
    rmSync(this.dir, { recursive: true, force: true })
  }

  /** `CLIENT PAUSE ms ALL`: the server stops answering every client for `ms` (the process stays up). */
  async pause(ms: number): Promise<void> {
    await redisCli(this.port, ['CLIENT', 'PAUSE', String(ms), 'ALL'])
  }

  /**
   * `DEBUG SLEEP seconds`: the server blocks entirely (nothing is answered, not even new
   * connections). Resolves when the command is sent; `done` resolves when the server is back.
   */
  debugSleep(seconds: number): { done: Promise<void> } {
    return { done: redisCli(this.port, ['DEBUG', 'SLEEP', String(seconds)], seconds * 1000 + 10_000).then(() => undefined) }
  }

  cli(...args: string[]): Promise<string> {
    return redisCli(this.port, args)
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc
    running.delete(this)
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(signal)
    })
  }
}
