import { redisStore } from '@larder/redis'
import { agingSuite, describeRedis, expressApps, fastifyApps, uniquePrefix, useRedisClient, type StoreFactory } from '@larder/testkit'

// Lifetimes and revalidation on Redis too: a stale entry must outlive its freshness in the store to be revalidated.
describeRedis('entry lifetimes and revalidation on Redis', 'redis', () => {
  const handle = useRedisClient()
  const stores: StoreFactory = { name: 'redis', create: () => redisStore({ client: handle.client, prefix: uniquePrefix('aging') }), cacheOptions: { storeTimeout: '2s' } }
  agingSuite(expressApps, stores)
  agingSuite(fastifyApps, stores)
})
