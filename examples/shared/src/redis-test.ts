import { describe, it } from 'vitest'
import { connectRedis, displayUrl } from './redis-db.js'

/** The Redis the examples' tests use: REDIS_URL, else the usual local one. */
export const testRedisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'

/** Undefined when Redis answers within 2 s; else why not. */
async function unreachable(): Promise<string | undefined> {
  try {
    await (await connectRedis(testRedisUrl, 2000)).close()
    return undefined
  } catch (e) {
    return (e as Error).message
  }
}

/**
 * `describe` for tests that need the Redis at `testRedisUrl`. When it cannot be reached they are
 * one failing test saying why and how to provide one.
 */
export async function describeWithRedis(name: string, body: () => void): Promise<void> {
  const why = await unreachable()
  if (why === undefined) {
    describe(name, body)
    return
  }
  // A skipped suite would prove nothing and pass quietly: a missing Redis is a failing test that says how to get one.
  describe(name, () => {
    it('has a Redis to run against', () => {
      throw new Error(`no Redis at ${displayUrl(testRedisUrl)}: ${why}. Start redis-server or set REDIS_URL.`)
    })
  })
}
