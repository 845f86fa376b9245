import { memoryStore } from '@larder/core'
import { redisStore } from '@larder/redis'
import { describeRedis, storeContractSuite, uniquePrefix, useRedisClient, useRedisClusterClient } from '@larder/testkit'

// One contract, and the stores that keep it: the reference memory store, one Redis (with its
// default single bucket and with 16 buckets), and a 3-master cluster.
storeContractSuite('memory', () => memoryStore())

describeRedis('redis (single node)', 'redis', () => {
  const redis = useRedisClient()
  storeContractSuite('redis', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract') }))
  // Several buckets on one node: invalidate and clear cover them all in one script.
  storeContractSuite('redis, 16 buckets', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract'), buckets: 16 }))
})

describeRedis('redis cluster (3 masters)', 'cluster', () => {
  const redis = useRedisClusterClient()
  storeContractSuite('redis cluster', () => redisStore({ client: redis.client, prefix: uniquePrefix('contract') }))
})
