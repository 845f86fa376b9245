import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { usersApiSuite } from '../../shared/src/api-suite.js'
import { connectRedis, openRedisUsersDb, redisUsersDbKeys, type RedisClient } from '../../shared/src/redis-db.js'
import { describeWithRedis, testRedisUrl } from '../../shared/src/redis-test.js'
import { startApp } from '../src/app.js'

// The users API suite again, over the Redis-backed database (a fresh one, under its own prefix,
// each time the app opens it): it must behave exactly as the SQLite one.
await describeWithRedis('Redis-backed users database', () => {
  let client: RedisClient
  const prefixes: string[] = []
  beforeAll(async () => {
    client = await connectRedis(testRedisUrl)
  })
  afterAll(async () => {
    if (prefixes.length > 0) await client.del(prefixes.flatMap((p) => Object.values(redisUsersDbKeys(p))))
    await client.close()
  })

  usersApiSuite('Fastify, Redis-backed database', (options) =>
    startApp({
      ...options,
      openDb: (dbOptions) => {
        const prefix = `larder-test-db-${randomBytes(4).toString('hex')}`
        prefixes.push(prefix)
        return openRedisUsersDb(client, prefix, dbOptions)
      },
    }),
  )
})
