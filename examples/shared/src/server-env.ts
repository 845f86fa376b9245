import type { Cache } from '@larder/core'
import type { RunningApp } from './users-api.js'

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, 0 or more; got "${raw}"`)
  return n
}

/** Where and how server.ts listens: PORT (default `defaultPort`), HOST (default 127.0.0.1), DB_DELAY_MS (default 0). */
export function listenOptionsFromEnv(defaultPort: number): { port: number; host: string; queryDelayMs: number } {
  return {
    port: numberFromEnv('PORT', defaultPort),
    host: process.env.HOST || '127.0.0.1',
    queryDelayMs: numberFromEnv('DB_DELAY_MS', 0),
  }
}

/** On Ctrl-C or SIGTERM: stop taking requests, then close the cache. */
export function closeOnSignal(app: RunningApp, cache: Cache): void {
  const stop = (): void => {
    void app.close().then(() => cache.close())
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
