export { redisStore, RedisStore } from './store.js'
export type { RedisStoreOptions } from './options.js'
export { RedisStoreUnavailableError, type RedisClient, type RedisClusterClient, type RedisSingleClient } from './connection.js'
