import { createCache, LarderOptionError, MAX_LIFETIME_SECONDS, type RequestInfo } from '@larder/core'
import { type Outcome } from '@larder/core/adapter'
import { describe, expect, it } from 'vitest'
import { parseHttpDate, staleByExpires } from '../src/freshness.js'
import { deltaSeconds, parseCacheControl } from '../src/headers.js'

const YEAR_MS = MAX_LIFETIME_SECONDS * 1000
const get = (url: string): RequestInfo => ({ method: 'GET', url, headers: {}, host: 'example.test', raw: {} })

/** The lifetime the cache gives a response with these headers, or undefined if it does not store it. */
async function storedFor(headers: Record<string, string>, ttl?: string): Promise<number | undefined> {
  const cache = createCache(ttl === undefined ? {} : { ttl })
  const miss = (await cache.handle(get('/r'), cache.route())) as Extract<Outcome, { kind: 'miss' }>
  const fill = miss.fill!
  if (!fill.start(200, headers)) return undefined
  fill.push('x')
  await fill.finish()
  const hit = await cache.handle(get('/r'), cache.route())
  // The lifetime: what the entry's age (its initial age counted, the handler's delay included) may reach.
  return hit.kind === 'hit' ? hit.entry.freshUntil! - hit.entry.storedAt + (hit.entry.initialAge ?? 0) : undefined
}

describe('lifetimes', () => {
  it('is a year at most', () => {
    expect(MAX_LIFETIME_SECONDS).toBe(31_536_000)
  })

  it.each([['s-maxage=99999999999999999999'], ['max-age=99999999999999999999'], [`max-age=${'9'.repeat(400)}`], ['max-age=31536001']])('%s is stored for a year', async (cc) => {
    expect(await storedFor({ 'cache-control': cc })).toBe(YEAR_MS)
  })

  it('a lifetime under a year is kept', async () => {
    expect(await storedFor({ 'cache-control': 'max-age=86400' })).toBe(86_400_000)
  })

  it('delta-seconds too large to represent are 2^31 (RFC 9111 §1.2.2), never Infinity', () => {
    expect(deltaSeconds(parseCacheControl(`max-age=${'9'.repeat(400)}`), 'max-age')).toBe(2 ** 31)
    expect(deltaSeconds(parseCacheControl('max-age=2147483647'), 'max-age')).toBe(2147483647)
  })

  it.each([["'366d'", '366d'], ['a huge number of seconds', 1e300], ["'9999999999999d'", '9999999999999d']])('a ttl option of %s is refused at creation', (_name, ttl) => {
    for (const make of [() => createCache({ ttl }), () => createCache().route({ ttl }, 'route GET /x')]) {
      let error: unknown
      try {
        make()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(LarderOptionError)
      expect((error as LarderOptionError).option).toBe('ttl')
      expect((error as LarderOptionError).message).toMatch(/at most a year \('365d'\).*ttl: '1h'/)
    }
  })

  it('a ttl of a year is accepted', async () => {
    expect(await storedFor({}, '365d')).toBe(YEAR_MS)
  })
})

describe('HTTP dates (RFC 9110 §5.6.7)', () => {
  const when = Date.UTC(1994, 10, 6, 8, 49, 37)
  it.each([['Sun, 06 Nov 1994 08:49:37 GMT'], ['Sunday, 06-Nov-94 08:49:37 GMT'], ['Sun Nov  6 08:49:37 1994']])('reads %s', (text) => {
    expect(parseHttpDate(text)).toBe(when)
  })

  it.each([['0'], ['-1'], ['2030'], ['garbage'], [''], ['Sun, 31 Feb 2030 08:49:37 GMT'], ['Sun, 06 Nov 1994 25:49:37 GMT'], ['Sun, 06 Xyz 1994 08:49:37 GMT'], ['Sun, 06 Nov 1994 08:49:37 PST']])(
    'refuses %j',
    (text) => {
      expect(parseHttpDate(text)).toBeUndefined()
    },
  )

  it('refuses what is not one string', () => {
    expect(parseHttpDate(0)).toBeUndefined()
    expect(parseHttpDate(['Sun, 06 Nov 1994 08:49:37 GMT'])).toBeUndefined()
    expect(parseHttpDate(undefined)).toBeUndefined()
  })
})

describe('stale by Expires', () => {
  const now = Date.UTC(2026, 0, 1)
  const at = (ms: number) => new Date(ms).toUTCString()
  it('an invalid Expires is already expired', () => {
    for (const v of ['0', '-1', 'garbage', 0]) expect(staleByExpires(v, undefined, now)).toBe(true)
  })
  it('a valid Expires is stale at or before the Date, else now', () => {
    expect(staleByExpires(at(now - 1000), undefined, now)).toBe(true)
    expect(staleByExpires(at(now), undefined, now)).toBe(true)
    expect(staleByExpires(at(now + 60_000), undefined, now)).toBe(false)
    expect(staleByExpires(at(now + 60_000), at(now + 60_000), now)).toBe(true)
    expect(staleByExpires(at(now + 60_000), at(now + 120_000), now)).toBe(true)
    expect(staleByExpires(at(now + 60_000), 'not a date', now)).toBe(false)
  })
})

describe('HTTP-date names in any case', () => {
  it('reads a weekday, month and GMT written in another case as the same date', () => {
    const expected = Date.UTC(2030, 0, 2, 3, 4, 5)
    expect(parseHttpDate('wed, 02 jan 2030 03:04:05 gmt')).toBe(expected)
    expect(parseHttpDate('WED, 02 JAN 2030 03:04:05 GMT')).toBe(expected)
    expect(parseHttpDate('Wednesday, 02-JAN-30 03:04:05 gmt')).toBe(expected)
  })
})
