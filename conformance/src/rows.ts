import { LarderOptionError, type CacheOptions } from '@larder/core'
import { CONFIGS, type RowConfig } from './configs.js'
import { startProxy, type Adapter } from './proxies.js'
import { score, type Score, type Scorer } from './score.js'
import { rowStore, type StoreKind } from './stores.js'
import { runClient, startOrigin, type RawResults } from './suite.js'

export const ADAPTERS: readonly Adapter[] = ['express', 'fastify']

export interface Row {
  /** `larder-<adapter> <config>`, the key in the table, latest.json and baseline.json. */
  name: string
  adapter: Adapter
  config: RowConfig
}

export type RowOutcome =
  | { row: Row; status: 'ok'; raw: RawResults; score: Score; seconds: number; errors: string[] }
  | { row: Row; status: 'skipped'; reason: string }

/** Every adapter × configuration, configurations first (the table's order); `extra` (--options) last. */
export function allRows(extra?: RowConfig): Row[] {
  const configs = extra === undefined ? CONFIGS : [...CONFIGS, extra]
  return configs.flatMap((config) => ADAPTERS.map((adapter) => ({ name: `larder-${adapter} ${config.name}`, adapter, config })))
}

/**
 * One row: its own origin and proxy (so rows can run at once), the suite's client against the
 * proxy, and the score. Options createCache rejects (not in this larder yet) skip the row.
 */
export async function runRow(row: Row, copy: string, scorer: Scorer, storeKind: StoreKind, ids: Set<string> | undefined, dump?: (line: string) => void): Promise<RowOutcome> {
  const store = await rowStore(storeKind, row.name)
  // Errors larder reports (a store failing, a callback throwing) make a row's score say nothing
  // about its HTTP behaviour: they are collected and shown with the row, not logged one by one.
  const errors: string[] = []
  const onError = (err: Error) => void (errors.length < 1000 && errors.push(err.message))
  const options = { ...row.config.options, ...store.options, onError } as CacheOptions
  const origin = await startOrigin(copy)
  try {
    let proxy
    try {
      proxy = await startProxy(row.adapter, options, origin.url)
    } catch (err) {
      if (err instanceof LarderOptionError) return { row, status: 'skipped', reason: err.message }
      throw err
    }
    try {
      const started = Date.now()
      const raw = await runClient(copy, proxy.url, ids, dump)
      return { row, status: 'ok', raw, score: score(scorer, raw), seconds: (Date.now() - started) / 1000, errors }
    } finally {
      await store.empty()
      await proxy.close()
    }
  } finally {
    await origin.stop()
    await store.dispose()
  }
}
