// Minimal types for the untyped peers the benchmark compares against.

declare module 'apicache' {
  import type { RequestHandler } from 'express'
  interface ApiCacheOptions {
    defaultDuration?: string | number
    redisClient?: unknown
    statusCodes?: { include?: number[]; exclude?: number[] }
    [option: string]: unknown
  }
  interface ApiCache {
    middleware(duration?: string | number, toggle?: unknown, options?: ApiCacheOptions): RequestHandler
    newInstance(options?: ApiCacheOptions): ApiCache
    options(options: ApiCacheOptions): ApiCache
    clear(target?: string): unknown
  }
  const apicache: ApiCache
  export default apicache
}

declare module 'route-cache' {
  import type { RequestHandler } from 'express'
  export function cacheSeconds(seconds: number, key?: string | ((req: unknown, res: unknown) => string)): RequestHandler
  export function removeCache(url: string): void
  export function clearCache(): void
  const routeCache: { cacheSeconds: typeof cacheSeconds; removeCache: typeof removeCache; clearCache: typeof clearCache }
  export default routeCache
}

declare module 'redis3' {
  interface RedisClient {
    readonly connected: boolean
    on(event: string, listener: (...args: any[]) => void): this
    quit(callback?: (err: Error | null) => void): boolean
    keys(pattern: string, callback: (err: Error | null, keys: string[]) => void): boolean
    del(keys: string[], callback?: (err: Error | null, n: number) => void): boolean
  }
  export function createClient(options?: { url?: string }): RedisClient
  export type { RedisClient }
  const redis3: { createClient: typeof createClient }
  export default redis3
}
