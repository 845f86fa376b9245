import { createCache, type Cache, type CacheOptions } from '@larder/core'
import { afterEach } from 'vitest'
import type { AppFactory, RouteSpec, StartOptions } from './apps.js'
import { fetchFrom, type RequestOptions, type Response } from './http.js'
import { ControlledStore, type StoreFactory } from './store-wrappers.js'

export interface Harness {
  url: string
  cache: Cache
  store: ControlledStore
  get(path: string, options?: RequestOptions): Promise<Response>
}

export type Start = (routes: RouteSpec[], cacheOptions?: Omit<CacheOptions, 'store'>, startOptions?: StartOptions) => Promise<Harness>

/**
 * Registers cleanup for the enclosing describe and returns `start`: a real app for `apps` on a fresh
 * cache over a fresh `stores` store (wrapped so tests can make it fail), closed after each test.
 */
export function useHarness(apps: AppFactory, stores: StoreFactory): Start {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  return async (routes, cacheOptions = {}, startOptions = {}) => {
    const store = new ControlledStore(await stores.create())
    const cache = createCache({ ...stores.cacheOptions, ...cacheOptions, store })
    cleanups.push(() => cache.close())
    const app = await apps.start(cache, routes, startOptions)
    cleanups.push(() => app.close())
    return { url: app.url, cache, store, get: (path, options) => fetchFrom(app.url, path, options) }
  }
}

/** A counter per route, so tests can tell whether the handler ran. */
export function counter(): { n: number; next: () => number } {
  const c = { n: 0, next: () => ++c.n }
  return c
}
