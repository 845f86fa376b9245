import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Flights } from '../src/single-flight.js'

// The exemption from coalescing (hit-for-miss) must end, and must not grow without bound: a key
// exempt forever would lose stampede protection for good once its responses turned cacheable.
describe('Flights: exemption from coalescing', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a leader released as uncacheable exempts its key for 5 s, then the key coalesces again', () => {
    const flights = new Flights()
    flights.begin('k').settle(undefined, true)
    expect(flights.passes('k')).toBe(true)
    vi.advanceTimersByTime(4_999)
    expect(flights.passes('k')).toBe(true)
    vi.advanceTimersByTime(2)
    expect(flights.passes('k')).toBe(false)
  })

  it('a leader released for any other reason (nothing stored, a 5xx, a timeout) exempts nothing', () => {
    const flights = new Flights()
    flights.begin('k').settle(undefined)
    expect(flights.passes('k')).toBe(false)
    expect(flights.size).toBe(0)
  })

  it('keeps at most 10,000 exemptions, dropping the oldest', () => {
    const flights = new Flights()
    for (let i = 0; i <= 10_000; i++) flights.begin(`k${i}`).settle(undefined, true)
    expect(flights.passes('k0')).toBe(false)
    expect(flights.passes('k1')).toBe(true)
    expect(flights.passes('k10000')).toBe(true)
  })
})
