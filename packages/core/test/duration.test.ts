import { describe, expect, it } from 'vitest'
import { LarderOptionError } from '@larder/core'
import { parseDuration } from '@larder/core/store'

describe('parseDuration', () => {
  it.each([
    [30, 30_000],
    [0.5, 500],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5h', 5_400_000],
  ])('%s is %d ms', (value, ms) => {
    expect(parseDuration(value, 'ttl')).toBe(ms)
  })

  it.each(['5 minutes', '10x', '', '-1s', 'ms', -5, Number.NaN, Number.POSITIVE_INFINITY, null, {}, 0, '0s'])('rejects %s, naming the option, the value and a valid example', (value) => {
    let error: unknown
    try {
      parseDuration(value, 'ttl')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(LarderOptionError)
    const message = (error as Error).message
    expect(message).toContain('"ttl"')
    expect(message).toMatch(/'5m'/)
    expect((error as LarderOptionError).option).toBe('ttl')
  })
})
