import { createCache, LarderError, type ErrorContext } from '@larder/core'
import { redisStore, RedisStoreUnavailableError } from '@larder/redis'
import { createClient } from 'redis'
import { describe, expect, it } from 'vitest'

describe("the Redis store's errors", () => {
  it('RedisStoreUnavailableError is a LarderError with its code', () => {
    const e = new RedisStoreUnavailableError('the client is not connected')
    expect(e).toBeInstanceOf(LarderError)
    expect(e.code).toBe('LARDER_REDIS_UNAVAILABLE')
    expect(e.name).toBe('RedisStoreUnavailableError')
  })

  it('a bad option is a LarderError with the option code', () => {
    let e: unknown
    try {
      redisStore({ client: createClient(), prefix: '' })
    } catch (error) {
      e = error
    }
    expect(e).toBeInstanceOf(LarderError)
    expect((e as LarderError).code).toBe('LARDER_INVALID_OPTION')
  })

  it('a store call refused because the client is not connected reaches onError as itself, not wrapped', async () => {
    // Never connected: the store refuses every command at once, without a server.
    const store = redisStore({ client: createClient({ url: 'redis://127.0.0.1:1' }) })
    const reported: Array<{ error: LarderError; context: ErrorContext }> = []
    const cache = createCache({ store, breaker: false, onError: (error, context) => void reported.push({ error, context }) })
    const outcome = await cache.handle({ method: 'GET', url: '/x', headers: {}, host: 'example.test', raw: {} }, cache.route())
    expect(outcome.kind).toBe('bypass')
    expect(reported).toHaveLength(1)
    expect(reported[0]!.error).toBeInstanceOf(RedisStoreUnavailableError)
    expect(reported[0]!.error.code).toBe('LARDER_REDIS_UNAVAILABLE')
    expect(reported[0]!.context.op).toBe('get')
    await cache.close()
  })
})
