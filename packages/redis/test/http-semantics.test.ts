import { redisStore } from '@larder/redis'
import { describeRedis, expressApps, fastifyApps, httpSemanticsSuite, uniquePrefix, useRedisClient, type StoreFactory } from '@larder/testkit'

// On Redis too: what a hit replays (Date, validators, the slice of a range) comes back through its codec.
describeRedis('invalidation, hit headers and ranges on Redis', 'redis', () => {
  const handle = useRedisClient()
  const stores: StoreFactory = { name: 'redis', create: () => redisStore({ client: handle.client, prefix: uniquePrefix('http') }), cacheOptions: { storeTimeout: '2s' } }
  httpSemanticsSuite(expressApps, stores)
  httpSemanticsSuite(fastifyApps, stores)
})
