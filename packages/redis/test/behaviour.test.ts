import { redisStore } from '@larder/redis'
import {
  behaviourSuite,
  describeRedis,
  expressApps,
  fastifyApps,
  uniquePrefix,
  useRedisClient,
  useRedisClusterClient,
  type StoreFactory,
} from '@larder/testkit'

// The v0.1 behaviour suite, unchanged, on a single Redis and on a real 3-master cluster, for both
// adapters. (The memory runs are in the adapters' own test folders.) Each test gets a fresh prefix.
// storeTimeout is raised from its default because two cores run the suite and the cluster at once:
// a slow command there is load, not the outage the timeout exists to detect.
function redisStores(name: string, handle: { readonly client: Parameters<typeof redisStore>[0]['client'] }): StoreFactory {
  return { name, create: () => redisStore({ client: handle.client, prefix: uniquePrefix('behaviour') }), cacheOptions: { storeTimeout: '2s' } }
}

describeRedis('behaviour on a single Redis', 'redis', () => {
  const stores = redisStores('redis', useRedisClient())
  behaviourSuite(expressApps, stores)
  behaviourSuite(fastifyApps, stores)
})

describeRedis('behaviour on a Redis Cluster', 'cluster', () => {
  const stores = redisStores('redis-cluster', useRedisClusterClient())
  behaviourSuite(expressApps, stores)
  behaviourSuite(fastifyApps, stores)
})
