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
 * skipped with one loud warning saying why, except under CI, where that is a failing test.
 */
export async function describeWithRedis(name: string, body: () => void): Promise<void> {
  const why = await unreachable()
  if (why === undefined) {
    describe(name, body)
    return
  }
  if (process.env.CI) {
    describe(name, () => {
      it('has a Redis to run against (CI is set, so a missing Redis is a failure)', () => {
        throw new Error(`no Redis at ${displayUrl(testRedisUrl)}: ${why}`)
      })
    })
    return
  }
  console.warn(`\n${'!'.repeat(100)}\nlarder: SKIPPING "${name}": ${why}. Start redis-server or set REDIS_URL (with CI set, this is a failure).\n${'!'.repeat(100)}\n`)
  describe.skip(name, body)
}
