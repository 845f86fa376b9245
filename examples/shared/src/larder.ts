// examples/demo.ts sits outside any package, so it has no node_modules to find @larder/core in; it
// reaches larder through this package instead.
export { createCache, memoryStore } from '@larder/core'
export type { Cache, CacheStats } from '@larder/core'
