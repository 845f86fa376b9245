import { describe, expect, it } from 'vitest'
import { CallbackError, CircuitOpenError, createCache, LarderError, LarderOptionError, memoryStore, StoreError, StoreTimeoutError, type CacheOptions, type ErrorContext, type RequestInfo, type Store } from '@larder/core'
import { type Outcome } from '@larder/core/adapter'
import { parseDuration } from '@larder/core/store'

const get = (url = '/x'): RequestInfo => ({ method: 'GET', url, headers: {}, host: 'example.test', raw: {} })
const put = (url = '/x'): RequestInfo => ({ method: 'PUT', url, headers: {}, host: 'example.test', raw: {} })

interface Reported {
  error: LarderError
  context: ErrorContext
}

/** A cache whose reports are collected; a store's methods may be replaced to fail. */
function reporting(options: CacheOptions = {}, overrides: Partial<Store> = {}): { cache: ReturnType<typeof createCache>; reported: Reported[] } {
  const reported: Reported[] = []
  const store = Object.assign(memoryStore(), overrides)
  const cache = createCache({ store, breaker: false, onError: (error, context) => void reported.push({ error, context }), ...options })
  return { cache, reported }
}

/** Runs one GET through the engine; a miss gets a 200 response, stored if the route allows. */
async function request(cache: ReturnType<typeof createCache>, route = cache.route(), info = get()): Promise<Outcome> {
  const outcome = await cache.handle(info, route)
  if (outcome.kind === 'miss' && outcome.fill !== undefined) {
    outcome.fill.start(200, {})
    outcome.fill.push('body')
    await outcome.fill.finish({})
  }
  return outcome
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

function expectLarderError(e: unknown, code: string, name: string): void {
  expect(e).toBeInstanceOf(LarderError)
  expect(e).toBeInstanceOf(Error)
  expect((e as LarderError).code).toBe(code)
  expect((e as LarderError).name).toBe(name)
  expect((e as LarderError).message).toMatch(/^larder: /)
}

describe('the error catalogue', () => {
  const boom = new Error('boom')
  it.each([
    ['LarderOptionError', 'LARDER_INVALID_OPTION', new LarderOptionError('ttl', 'bad ttl')],
    ['StoreTimeoutError', 'LARDER_STORE_TIMEOUT', new StoreTimeoutError('get', 50)],
    ['StoreError', 'LARDER_STORE_FAILED', new StoreError('get', boom)],
    ['CircuitOpenError', 'LARDER_CIRCUIT_OPEN', new CircuitOpenError()],
    ['CallbackError', 'LARDER_CALLBACK_FAILED', CallbackError.threw('tags', boom)],
  ])('%s is a LarderError with code %s', (name, code, error) => {
    expectLarderError(error, code, name)
    expect(typeof error.stack).toBe('string')
  })

  it('a wrapper keeps what it wraps as cause and names it in its message, with "larder:" said once', () => {
    const store = new StoreError('set', boom)
    expect(store.cause).toBe(boom)
    expect(store.op).toBe('set')
    expect(store.message).toBe('larder: store set failed: boom')
    const opened = new CircuitOpenError(store)
    expect(opened.cause).toBe(store)
    expect(opened.message).toBe('larder: store failing (store set failed: boom); pausing calls to it')
    const callback = CallbackError.threw('invalidates', 'not an error')
    expect(callback.cause).toBe('not an error')
    expect(callback.option).toBe('invalidates')
    expect(callback.message).toBe('larder: the "invalidates" function threw: not an error')
  })

  it('an error without a cause has none', () => {
    expect('cause' in new CircuitOpenError()).toBe(false)
    expect('cause' in new CallbackError('tags', 'must return an array of strings; it returned 1')).toBe(false)
  })
})

describe('option mistakes are LarderOptionErrors with the option code', () => {
  it.each([
    ['createCache', () => createCache({ ttl: 'forever' })],
    ['createCache, unknown option', () => createCache({ tll: '5m' } as never)],
    ['a route', () => createCache().route({ statuses: [206] })],
    ['memoryStore', () => memoryStore({ maxBytes: 1 })],
    ['parseDuration', () => parseDuration('soon', 'ttl')],
  ])('%s', (_where, fn) => {
    expectLarderError(thrown(fn), 'LARDER_INVALID_OPTION', 'LarderOptionError')
  })
})

describe('what larder reports to onError', () => {
  it('a store that rejects: a StoreError with the rejection as cause', async () => {
    const boom = new Error('boom')
    const { cache, reported } = reporting({}, { get: () => Promise.reject(boom) })
    expect((await request(cache)).kind).toBe('bypass')
    expect(reported).toHaveLength(1)
    expectLarderError(reported[0]!.error, 'LARDER_STORE_FAILED', 'StoreError')
    expect(reported[0]!.error.cause).toBe(boom)
    expect(reported[0]!.context.op).toBe('get')
  })

  it('a store that throws synchronously, or rejects with something not an Error: a StoreError with it as cause', async () => {
    const { cache, reported } = reporting(
      {},
      {
        get: () => {
          throw 'down'
        },
      },
    )
    await request(cache)
    const rejecting = reporting({}, { get: () => Promise.reject(42) })
    await request(rejecting.cache)
    for (const [r, cause] of [
      [reported, 'down'],
      [rejecting.reported, 42],
    ] as const) {
      expectLarderError(r[0]!.error, 'LARDER_STORE_FAILED', 'StoreError')
      expect(r[0]!.error.cause).toBe(cause)
    }
  })

  it('a store that hangs: a StoreTimeoutError', async () => {
    const { cache, reported } = reporting({ storeTimeout: '20ms' }, { get: () => new Promise(() => undefined) })
    await request(cache)
    expectLarderError(reported[0]!.error, 'LARDER_STORE_TIMEOUT', 'StoreTimeoutError')
  })

  it("a store's own LarderError is reported as it is, not wrapped", async () => {
    const own = new StoreTimeoutError('get', 1)
    const { cache, reported } = reporting({}, { get: () => Promise.reject(own) })
    await request(cache)
    expect(reported[0]!.error).toBe(own)
  })

  it('the breaker opening: a CircuitOpenError with the failure that opened it as cause', async () => {
    const boom = new Error('boom')
    let failing = false
    const { cache, reported } = reporting(
      { breaker: { failures: 1, cooldown: '1m' } },
      { get: () => Promise.resolve(undefined), set: () => (failing ? Promise.reject(boom) : Promise.resolve(true)), mark: () => Promise.resolve(0) },
    )
    failing = true
    await request(cache, cache.route(), get('/a'))
    const opened = reported.find((r) => r.context.op === 'circuit')
    expect(opened).toBeDefined()
    expectLarderError(opened!.error, 'LARDER_CIRCUIT_OPEN', 'CircuitOpenError')
    expect(opened!.error.cause).toBeInstanceOf(StoreError)
    expect((opened!.error.cause as StoreError).cause).toBe(boom)
    expect(opened!.error.message).toMatch(/store failing \(store set failed: boom\)/)
  })

  it('a store call refused while the breaker is open, when reported, is a CircuitOpenError', async () => {
    const route = { tags: ['t'] }
    let opened = false
    const { cache, reported } = reporting(
      { breaker: { failures: 1, cooldown: '1m' } },
      {
        get: () => Promise.resolve(undefined),
        mark: () => Promise.resolve(0),
        set: () => Promise.resolve(true),
        invalidate: () => (opened ? Promise.resolve(0) : Promise.reject(new Error('boom'))),
      },
    )
    // The miss is decided while the breaker is closed; it opens before the fill's set goes out.
    const outcome = await cache.handle(get(), cache.route(route))
    if (outcome.kind !== 'miss' || outcome.fill === undefined) throw new Error('expected a miss')
    await expect(cache.invalidate({ tags: ['other'] })).rejects.toBeInstanceOf(StoreError)
    opened = true
    outcome.fill.start(200, {})
    outcome.fill.push('body')
    expect(await outcome.fill.finish({})).toBe(false)
    const refused = reported.find((r) => r.context.op === 'set')
    expect(refused).toBeDefined()
    expectLarderError(refused!.error, 'LARDER_CIRCUIT_OPEN', 'CircuitOpenError')
    expect(refused!.error.cause).toBeUndefined()
  })

  it('a key function that throws: a CallbackError naming key.custom, with what it threw as cause', async () => {
    const thrownByUser = new RangeError('no user')
    const { cache, reported } = reporting({
      key: {
        custom: () => {
          throw thrownByUser
        },
      },
    })
    expect((await request(cache)).kind).toBe('bypass')
    expectLarderError(reported[0]!.error, 'LARDER_CALLBACK_FAILED', 'CallbackError')
    expect((reported[0]!.error as CallbackError).option).toBe('key.custom')
    expect(reported[0]!.error.cause).toBe(thrownByUser)
    expect(reported[0]!.context.op).toBe('key')
  })

  it('a tags function that throws, or returns no array of strings: a CallbackError naming tags', async () => {
    const thrownByUser = new Error('no tags')
    const { cache, reported } = reporting()
    await request(
      cache,
      cache.route({
        tags: () => {
          throw thrownByUser
        },
      }),
    )
    await request(cache, cache.route({ tags: () => 'user:1' as never }), get('/y'))
    expect(reported.map((r) => [r.error.code, (r.error as CallbackError).option, r.context.op])).toEqual([
      ['LARDER_CALLBACK_FAILED', 'tags', 'tags'],
      ['LARDER_CALLBACK_FAILED', 'tags', 'tags'],
    ])
    expect(reported[0]!.error.cause).toBe(thrownByUser)
    expect(reported[1]!.error.message).toBe('larder: the "tags" function must return an array of strings; it returned "user:1"')
  })

  it('an invalidates function that throws: a CallbackError naming invalidates, with what it threw as cause', async () => {
    const { cache, reported } = reporting()
    const outcome = await cache.handle(
      put(),
      cache.route({
        invalidates: () => {
          throw 'nope'
        },
      }),
    )
    if (outcome.kind !== 'mutation') throw new Error('expected a mutation')
    await outcome.mutation.complete(204)
    expectLarderError(reported[0]!.error, 'LARDER_CALLBACK_FAILED', 'CallbackError')
    expect((reported[0]!.error as CallbackError).option).toBe('invalidates')
    expect(reported[0]!.error.cause).toBe('nope')
  })
})

describe('what larder throws at run time', () => {
  it('cache.invalidate() rejects with the StoreError it reported, the store failure as cause', async () => {
    const boom = new Error('boom')
    const { cache, reported } = reporting({}, { invalidate: () => Promise.reject(boom) })
    const error = await cache.invalidate({ tags: ['t'] }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expectLarderError(error, 'LARDER_STORE_FAILED', 'StoreError')
    expect((error as StoreError).cause).toBe(boom)
    expect(reported[0]!.error).toBe(error)
  })

  it('cache.close() rejects with a StoreError when the store fails to close', async () => {
    const boom = new Error('boom')
    const { cache } = reporting({}, { close: () => Promise.reject(boom) })
    const error = await cache.close().then(
      () => undefined,
      (e: unknown) => e,
    )
    expectLarderError(error, 'LARDER_STORE_FAILED', 'StoreError')
    expect((error as StoreError).op).toBe('close')
    expect((error as StoreError).cause).toBe(boom)
  })
})
