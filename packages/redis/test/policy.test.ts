import { redisStore } from '@larder/redis'
import { describeRedis, expressApps, fastifyApps, policySuite, uniquePrefix, useRedisClient, type StoreFactory } from '@larder/testkit'

// The policy suite on Redis too: a lifetime Redis would refuse as an expiry must still be stored.
describeRedis('freshness and sharing policy on Redis', 'redis', () => {
  const handle = useRedisClient()
  const stores: StoreFactory = { name: 'redis', create: () => redisStore({ client: handle.client, prefix: uniquePrefix('policy') }), cacheOptions: { storeTimeout: '2s' } }
  policySuite(expressApps, stores)
  policySuite(fastifyApps, stores)
})
