export { larder, type LarderMiddleware } from './middleware.js'
export type { RouteOptions } from '@larder/core/adapter'
