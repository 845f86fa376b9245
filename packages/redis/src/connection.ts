import { setMaxListeners } from 'node:events'
import { LarderError } from '@larder/core/store'
import { RESP_TYPES } from 'redis'
import type { Script } from './scripts.js'

type Arg = string | Buffer

interface Emitter {
  on(event: 'error', listener: (e: unknown) => void): unknown
  off(event: 'error', listener: (e: unknown) => void): unknown
}

/** What the store uses of a node-redis v5 client (`createClient()`). */
export interface RedisSingleClient extends Emitter {
  sendCommand(args: readonly Arg[], options?: any): Promise<unknown>
  readonly isReady: boolean
}

/** What the store uses of a node-redis v5 cluster (`createCluster()`). */
export interface RedisClusterClient extends Emitter {
  sendCommand(firstKey: Arg | undefined, isReadonly: boolean | undefined, args: readonly Arg[], options?: any): Promise<unknown>
  nodeClient(node: any): unknown
  readonly isOpen: boolean
}

/**
 * A node-redis v5 client from `createClient()` or a cluster from `createCluster()`, connected by the
 * caller (typed by what the store uses, so clients with any modules, scripts or RESP version fit).
 */
export type RedisClient = RedisSingleClient | RedisClusterClient

/** The command could not be sent: the client is not connected, or too many commands await replies. */
export class RedisStoreUnavailableError extends LarderError {
  readonly code = 'LARDER_REDIS_UNAVAILABLE'
  constructor(message: string) {
    super(`larder: redis store: ${message}`)
    this.name = 'RedisStoreUnavailableError'
  }
}

const BINARY = { [RESP_TYPES.BLOB_STRING]: Buffer } as const

// Commands sent in one window share an abort signal, aborted once the youngest of them has waited
// commandTimeout: an unwritten command is dropped after commandTimeout to 1.25 × commandTimeout.
// node-redis's own per-command timeout creates an AbortSignal.timeout for every command, whose
// timer fires later even when the reply came long before, a noticeable share of a Redis hit
// (DOMException, abort dispatch, timers; bench/README.md).
const WINDOWS_PER_TIMEOUT = 4

/** The sendCommand options of one window: one for text replies, one for binary. */
interface Window {
  endsAt: number
  text: { abortSignal: AbortSignal }
  binary: { abortSignal: AbortSignal; typeMapping: typeof BINARY }
}

export interface ConnectionCounters {
  scriptLoads: number
  offlineRejections: number
  busyRejections: number
  clientErrors: number
}

export function isCluster(client: RedisClient): client is RedisClusterClient {
  return typeof (client as { nodeClient?: unknown }).nodeClient === 'function'
}

/**
 * Sends commands for the store, routed by a key of the bucket they concern. It never connects or
 * reconfigures the client; it refuses at once (instead of queueing) while the client is not
 * connected or while `maxInFlight` commands await replies, and gives each command a queue timeout,
 * so a dead or stalled Redis never builds an unbounded backlog.
 */
export class Connection {
  readonly counters: ConnectionCounters = { scriptLoads: 0, offlineRejections: 0, busyRejections: 0, clientErrors: 0 }
  inFlight = 0
  /** Whether the client is a cluster (buckets may then live on different masters). */
  readonly clustered: boolean
  private readonly cluster: RedisClusterClient | undefined
  private readonly single: RedisSingleClient | undefined
  private readonly onError = (): void => {
    this.counters.clientErrors++
  }
  private window: Window | undefined

  constructor(
    private readonly client: RedisClient,
    private readonly maxInFlight: number,
    private readonly timeoutMs: number,
  ) {
    this.clustered = isCluster(client)
    if (isCluster(client)) this.cluster = client
    else this.single = client
    // An 'error' event without a listener would crash the process when Redis goes away; this one
    // only counts (callers still see every error through the engine's onError).
    client.on('error', this.onError)
  }

  detach(): void {
    this.client.off('error', this.onError)
  }

  /** Sends one command to the node owning `routeKey`'s slot. `binary` answers bulk strings as Buffers. */
  send<T>(routeKey: string, args: Arg[], binary = false): Promise<T> {
    const ready = this.single !== undefined ? this.single.isReady : this.cluster!.isOpen
    if (!ready) {
      this.counters.offlineRejections++
      return Promise.reject(new RedisStoreUnavailableError('the client is not connected'))
    }
    if (this.inFlight >= this.maxInFlight) {
      this.counters.busyRejections++
      return Promise.reject(new RedisStoreUnavailableError(`${this.inFlight} commands already await replies (maxInFlight)`))
    }
    const window = this.currentWindow()
    const options = binary ? window.binary : window.text
    this.inFlight++
    const sent = this.single !== undefined ? this.single.sendCommand(args, options) : this.cluster!.sendCommand(routeKey, false, args, options)
    return sent.finally(() => {
      this.inFlight--
    }) as Promise<T>
  }

  private currentWindow(): Window {
    const now = Date.now()
    let window = this.window
    if (window !== undefined && now < window.endsAt) return window
    const length = Math.max(1, Math.ceil(this.timeoutMs / WINDOWS_PER_TIMEOUT))
    const controller = new AbortController()
    // Every command of the window listens until it is written; there may be thousands.
    setMaxListeners(0, controller.signal)
    const abortSignal = controller.signal
    window = { endsAt: now + length, text: { abortSignal }, binary: { abortSignal, typeMapping: BINARY } }
    this.window = window
    setTimeout(() => controller.abort(), length + this.timeoutMs).unref()
    return window
  }

  /** EVALSHA; on NOSCRIPT (a node that never saw the script, or was restarted) EVAL, which also caches it there. */
  async run<T>(script: Script, keys: readonly string[], args: readonly Arg[]): Promise<T> {
    const routeKey = keys[0]!
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await this.send<T>(routeKey, ['EVALSHA', script.sha, ...tail])
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e
      this.counters.scriptLoads++
      return this.send<T>(routeKey, ['EVAL', script.source, ...tail])
    }
  }
}
