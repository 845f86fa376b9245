import { describeRedis, expressApps, fastifyApps, redisConsistencySuite } from '@larder/testkit'

// A full, flushed or restarted Redis shared by two instances, on both adapters. Each test starts its
// own server (it sets maxmemory, flushes, kills and restarts it).
describeRedis('consistency of a shared Redis', 'own-server', () => {
  redisConsistencySuite(expressApps)
  redisConsistencySuite(fastifyApps)
})
