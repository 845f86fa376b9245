import { redisStore } from '@larder/redis'
import { describeRedis, expressApps, fastifyApps, handlerTagsSuite, uniquePrefix, useRedisClient, type StoreFactory } from '@larder/testkit'

describeRedis('tags from the handler on Redis', 'redis', () => {
  const handle = useRedisClient()
  const stores: StoreFactory = { name: 'redis', create: () => redisStore({ client: handle.client, prefix: uniquePrefix('handler-tags') }), cacheOptions: { storeTimeout: '2s' } }
  handlerTagsSuite(expressApps, stores)
  handlerTagsSuite(fastifyApps, stores)
})
