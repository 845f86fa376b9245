import { redisStore } from '@larder/redis'
import { describeStoreContract } from '@larder/store-tests'
import { describeRedis, uniquePrefix, useRedisClient, useRedisClusterClient } from '@larder/testkit'

// The contract every store keeps (@larder/store-tests; the memory store runs it in packages/core),
// on one Redis (with its default single bucket and with 16 buckets) and on a 3-master cluster.
describeRedis('redis (single node)', 'redis', () => {
  const redis = useRedisClient()
  describeStoreContract('redis', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract') }))
  // Several buckets on one node: invalidate and clear cover them all in one script.
  describeStoreContract('redis, 16 buckets', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract'), buckets: 16 }))
})

describeRedis('redis cluster (3 masters)', 'cluster', () => {
  const redis = useRedisClusterClient()
  describeStoreContract('redis cluster', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract') }))
})
