import plugin from './plugin.js'

export default plugin
export { plugin as larderPlugin }
export type { LarderPluginOptions, RouteCacheConfig } from './plugin.js'
export { cacheRoute } from './route-config.js'
