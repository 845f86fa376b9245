import { memoryStore, type Store } from '@larder/core'
import { type CacheEntry } from '@larder/core/adapter'
import { type EntryMeta, type InvalidationTargets } from '@larder/core/store'
import { sleep } from './http.js'

/** Makes a store for one test; suites run once per factory. */
export interface StoreFactory {
  name: string
  create(): Store | Promise<Store>
  /**
   * Cache options the suite starts from with this store. Network stores on a loaded CI machine get
   * a roomier deadline than the 100ms default; tests about deadlines set their own.
   */
  cacheOptions?: { storeTimeout?: string }
}

export const memoryStores: StoreFactory = { name: 'memory', create: () => memoryStore() }

/**
 * Wraps a real store and lets a test switch failure modes on and off: 'down' throws from every
 * call, 'hang' answers nothing, 'slow-invalidate' delays invalidations. It exercises the engine's
 * handling of a broken store; the real-Redis failures are tested against real servers.
 */
export class ControlledStore implements Store {
  readonly name: string
  readonly local: boolean | undefined
  mode: 'ok' | 'down' | 'hang' = 'ok'
  invalidateDelayMs = 0
  /** Delays every write: the entry lands after the response that filled it has gone out. */
  setDelayMs = 0
  calls = 0

  constructor(readonly inner: Store) {
    this.name = `controlled(${inner.name})`
    this.local = inner.local
  }

  private run<T>(fn: () => T | Promise<T>): T | Promise<T> {
    this.calls++
    if (this.mode === 'down') throw new Error('store is down')
    if (this.mode === 'hang') return new Promise<T>(() => undefined)
    return fn()
  }

  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    return this.run(() => this.inner.get(key))
  }
  mark(key: string, path: string): number | Promise<number> {
    return this.run(() => this.inner.mark(key, path))
  }
  set(key: string, entry: CacheEntry, meta: EntryMeta): boolean | Promise<boolean> {
    if (this.setDelayMs === 0) return this.run(() => this.inner.set(key, entry, meta))
    return this.run(async () => {
      await sleep(this.setDelayMs)
      return this.inner.set(key, entry, meta)
    })
  }
  invalidate(targets: InvalidationTargets): number | Promise<number> {
    return this.run(async () => {
      if (this.invalidateDelayMs > 0) await sleep(this.invalidateDelayMs)
      return this.inner.invalidate(targets)
    })
  }
  clear(): void | Promise<void> {
    return this.run(() => this.inner.clear())
  }
  close(): void | Promise<void> {
    return this.inner.close()
  }
}
