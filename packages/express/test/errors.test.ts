import { createCache, LarderError } from '@larder/core'
import { larder } from '@larder/express'
import { describe, expect, it } from 'vitest'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('every option mistake of the Express adapter is a LarderError with the option code', () => {
  it.each([
    ['a first argument that is not a cache', () => larder('yes' as never)],
    ['no first argument', () => larder(undefined as never)],
    ['route options that are not an object', () => larder(createCache(), 'yes' as never)],
    ['a bad route option', () => larder(createCache(), { ttl: 'forever' })],
    ['an unknown route option', () => larder(createCache(), { tll: '5m' } as never)],
  ])('%s', (_what, fn) => {
    const e = thrown(fn)
    expect(e).toBeInstanceOf(LarderError)
    expect((e as LarderError).code).toBe('LARDER_INVALID_OPTION')
    expect((e as LarderError).name).toBe('LarderOptionError')
  })
})
