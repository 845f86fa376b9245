import { randomBytes } from 'node:crypto'
import type { Store } from '@larder/core'
import { redisStore } from '@larder/redis'
import { createClient } from 'redis'

export type StoreKind = 'memory' | 'redis'

/** A store for one row, and how to give back what it holds. */
export interface RowStore {
  /** What the row's createCache options get besides its own: the store, and what it needs. */
  options: { store?: Store; storeTimeout?: string }
  /** Removes the row's entries; before the cache closes, which closes its store. */
  empty(): Promise<void>
  /** Closes the store if no cache did, and the connection. */
  dispose(): Promise<void>
}

/**
 * The memory store (createCache's default), or a Redis store at REDIS_URL under a prefix of its
 * own, so concurrent rows and runs never see each other's entries; its keys are cleared after.
 */
export async function rowStore(kind: StoreKind, row: string): Promise<RowStore> {
  if (kind === 'memory') return { options: {}, empty: async () => {}, dispose: async () => {} }
  const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'
  const client = createClient({ url })
  client.on('error', () => {}) // connection errors surface as store errors larder reports
  await client.connect().catch((err: Error) => {
    throw new Error(`--redis: cannot connect to Redis at ${url} (${err.message}); start one or set REDIS_URL`)
  })
  const prefix = `conformance-${row.replace(/\W+/g, '-')}-${randomBytes(4).toString('hex')}`
  const store = redisStore({ client, prefix })
  return {
    // A store call that times out is served by the handler, which the suite would score as larder's
    // HTTP behaviour; on a busy machine Redis can take longer than the default 100ms.
    options: { store, storeTimeout: '5s' },
    empty: () => store.clear(),
    async dispose() {
      store.close()
      await client.quit()
    },
  }
}
