// examples/demo.ts and examples/instances.ts sit outside any package, so they have no node_modules
// to find @larder/core or @larder/redis in; they reach larder through this package instead.
export { createCache, memoryStore } from '@larder/core'
export type { Cache, CacheStats } from '@larder/core'
export { redisStore } from '@larder/redis'
