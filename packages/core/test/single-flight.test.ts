import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AGAIN, Flights } from '../src/single-flight.js'

const begin = (flights: Flights, key: string, path = `/${key}`, tags: readonly string[] | (() => string[]) = []) => flights.begin(key, {}, path, tags)

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
    begin(flights, 'k').runOwn(true)
    expect(flights.isExempt('k')).toBe(true)
    vi.advanceTimersByTime(4_999)
    expect(flights.isExempt('k')).toBe(true)
    vi.advanceTimersByTime(2)
    expect(flights.isExempt('k')).toBe(false)
  })

  it('a leader released for any other reason (nothing stored, a 5xx, a timeout) exempts nothing', () => {
    const flights = new Flights()
    begin(flights, 'k').runOwn()
    expect(flights.isExempt('k')).toBe(false)
    expect(flights.size).toBe(0)
  })

  it('keeps at most 10,000 exemptions, dropping the oldest', () => {
    const flights = new Flights()
    for (let i = 0; i <= 10_000; i++) begin(flights, `k${i}`).runOwn(true)
    expect(flights.isExempt('k0')).toBe(false)
    expect(flights.isExempt('k1')).toBe(true)
    expect(flights.isExempt('k10000')).toBe(true)
  })
})

// A miss whose leader read before a write cannot be stored; requests arriving after the write must
// not wait on it only to run the handler themselves, one each, when it is refused.
describe('Flights: a write overtakes the misses it touches', () => {
  it('by exact key, by path, and by a static tag; not by anything else', () => {
    const flights = new Flights()
    begin(flights, 'a', '/a')
    begin(flights, 'b', '/b', ['team:1'])
    begin(flights, 'c', '/c', ['team:2'])
    flights.overtake({ keys: ['a'] }, false)
    flights.overtake({ paths: ['/b'] }, false)
    flights.overtake({ tags: ['team:3'], paths: ['/'] }, false)
    expect([flights.get('a'), flights.get('b'), flights.get('c')?.key]).toEqual([undefined, undefined, 'c'])
    flights.overtake({ tags: ['team:2'] }, false)
    expect(flights.size).toBe(0)
  })

  it('a route whose tags come from the request is detached by any tag invalidation', () => {
    const flights = new Flights()
    begin(flights, 'd', '/d', () => ['user:1'])
    flights.overtake({ paths: ['/elsewhere'] }, false)
    expect(flights.get('d')?.key).toBe('d')
    flights.overtake({ tags: ['anything'] }, false)
    expect(flights.get('d')).toBeUndefined()
  })

  it('its waiters are sent to look again at once; the overtaken leader settles alone and leaves the new flight be', async () => {
    const flights = new Flights()
    const old = begin(flights, 'e')
    const waiting = old.wait(1000)
    flights.overtake({ paths: ['/e'] }, false)
    expect(await waiting).toBe(AGAIN)
    const fresh = begin(flights, 'e')
    old.runOwn()
    expect(flights.get('e')).toBe(fresh)
  })

  it('kept waiting (every write seen in this process), its waiters get the leader\'s response once it settles', async () => {
    const flights = new Flights()
    const old = begin(flights, 'f')
    const waiting = old.wait(1000)
    flights.overtake({ paths: ['/f'] }, true)
    expect(flights.get('f')).toBeUndefined()
    let answered = false
    void waiting.then(() => (answered = true))
    await new Promise((r) => setTimeout(r, 10))
    expect(answered).toBe(false)
    const shared = { entry: { status: 200, headers: {}, body: Buffer.from('old'), storedAt: 0, expiresAt: 1 } }
    // Refused by the store (it read before the write), and still theirs.
    old.filled(shared, false)
    expect(await waiting).toBe(shared)
  })

  it('not overtaken, a response the store refused is nobody else\'s', async () => {
    const flights = new Flights()
    const flight = begin(flights, 'g')
    const waiting = flight.wait(1000)
    flight.filled({ entry: { status: 200, headers: {}, body: Buffer.from('x'), storedAt: 0, expiresAt: 1 } }, false)
    expect(await waiting).toBeUndefined()
  })
})
