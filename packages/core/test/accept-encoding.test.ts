import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache, type RequestInfo } from '@larder/core'
import { acceptEncodingPairs } from '@larder/testkit'
import { acceptsCoding, acceptsContentEncoding, normaliseAcceptEncoding } from '../src/accept-encoding.js'

const route = createCache({ key: { headers: ['accept-encoding'] } }).route()

/** The cache key of a request with this Accept-Encoding (undefined: without one). */
function keyOf(acceptEncoding: string | undefined): string {
  const info: RequestInfo = { method: 'GET', url: '/doc', headers: { 'accept-encoding': acceptEncoding }, host: 'example.test', raw: {} }
  return route.key(info, '/doc', '')
}

const CODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'compress', 'identity']

describe('Accept-Encoding as RFC 9110 §12.5.3 reads it', () => {
  it.each([
    // [header, codings taken besides identity, identity taken]
    ['gzip', ['gzip', 'x-gzip'], true],
    ['GZIP', ['gzip', 'x-gzip'], true],
    ['gzip ;q=1', ['gzip', 'x-gzip'], true],
    ['gzip\t; q=0.5', ['gzip', 'x-gzip'], true],
    ['x-gzip', ['gzip', 'x-gzip'], true],
    ['gzip;q=0', [], true],
    ['gzip;Q=0', [], true],
    ['gzip;q=0.000', [], true],
    ['gzip;q=0.001', ['gzip', 'x-gzip'], true],
    ['br, gzip;q=0', ['br'], true],
    ['*', ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'compress'], true],
    ['*;q=0', [], false],
    ['*;q=0, identity', [], true],
    ['gzip, *;q=0', ['gzip', 'x-gzip'], false],
    ['gzip;q=0, *', ['deflate', 'br', 'zstd', 'compress'], true],
    ['identity;q=0', [], false],
    ['identity', [], true],
    ['', [], true],
    [',, ,', [], true],
    // Duplicates: a zero weight anywhere refuses.
    ['gzip, gzip;q=0', [], true],
    // Outside the grammar: only identity, whatever else the header seems to say.
    ['gzip; q = 1', [], true],
    ['gzip;q=2', [], true],
    ['gzip;q=0.5x', [], true],
    ['gzip;q=.5', [], true],
    ['gzip;level=1', [], true],
    ['gzip x', [], true],
    ['gzip\u00a0', [], true],
  ])('%j', (header, taken, identity) => {
    for (const coding of CODINGS.filter((c) => c !== 'identity')) expect([coding, acceptsCoding(header, coding)]).toEqual([coding, taken.includes(coding)])
    expect(acceptsCoding(header, 'identity')).toBe(identity)
  })

  it('without the header, only identity: a shared cache cannot know the client decodes anything', () => {
    expect(acceptsCoding(undefined, 'gzip')).toBe(false)
    expect(acceptsCoding(undefined, 'identity')).toBe(true)
  })

  it('takes a response only if it takes every coding applied to it', () => {
    expect(acceptsContentEncoding('gzip, br', 'gzip')).toBe(true)
    expect(acceptsContentEncoding('gzip, br', 'GZIP')).toBe(true)
    expect(acceptsContentEncoding('gzip, br', 'x-gzip')).toBe(true)
    expect(acceptsContentEncoding('gzip', 'gzip, br')).toBe(false)
    expect(acceptsContentEncoding('gzip, br', ['gzip', 'br'])).toBe(true)
    expect(acceptsContentEncoding('identity', 'identity')).toBe(true)
    expect(acceptsContentEncoding(undefined, 'identity')).toBe(true)
    expect(acceptsContentEncoding(undefined, 'gzip')).toBe(false)
    expect(acceptsContentEncoding('identity;q=0', '')).toBe(true)
  })
})

describe('Accept-Encoding in a variant key', () => {
  it('merges spellings every reader reads alike', () => {
    const same = (a: string, b: string): void => expect(normaliseAcceptEncoding(a)).toBe(normaliseAcceptEncoding(b))
    same('gzip, deflate, br', 'br;q=1.0, deflate, GZIP')
    same('gzip, deflate, br, zstd', 'gzip,deflate,br,zstd')
    same('gzip ;q=0.5, br', 'br, gzip; q=0.500')
    same('gzip;q=1.000', 'gzip')
    same('gzip;q=0.', 'gzip;q=0')
    same('', ',')
    expect(normaliseAcceptEncoding('gzip, deflate, br')).toBe('br,deflate,gzip')
    expect(normaliseAcceptEncoding('gzip;q=0.5, br;q=0.80')).toBe('br;q=0.8,gzip;q=0.5')
  })

  it('keeps apart what a reader may read differently', () => {
    const apart = (a: string, b: string): void => expect(normaliseAcceptEncoding(a)).not.toBe(normaliseAcceptEncoding(b))
    // negotiator takes Q=0 for an unknown parameter; @fastify/compress and the RFC for a zero weight.
    apart('gzip;Q=0', 'gzip')
    apart('gzip;Q=0', 'gzip;q=0')
    apart('gzip;Q=0', '')
    // @fastify/compress takes x-gzip for gzip; negotiator does not know it.
    apart('x-gzip', 'gzip')
    apart('x-gzip', '')
    // negotiator breaks a tie between deflate and identity by their order.
    apart('identity, deflate', 'deflate, identity')
    apart('gzip;q=0.5, br', 'gzip, br;q=0.5')
    // Duplicates, settled differently by each compressor, and values outside the grammar.
    apart('gzip, gzip;q=0', 'gzip;q=0, gzip')
    apart('gzip; q = 0', 'gzip; q = 0 ')
    apart('gzip; q = 0', 'gzip;q=0')
  })

  it('never merges values RFC 9110 reads differently (fuzzed)', () => {
    fc.assert(
      fc.property(acceptEncodingPairs, ([a, b]) => {
        if (keyOf(a) !== keyOf(b)) return
        for (const coding of CODINGS) expect([a, b, coding, acceptsCoding(a, coding)]).toEqual([a, b, coding, acceptsCoding(b, coding)])
      }),
      { numRuns: 5000 },
    )
  })

  it('is the value as sent when a reader may misread it; normal forms are fixed points, so the two never meet', () => {
    expect(normaliseAcceptEncoding('gzip;Q=0')).toBe('gzip;Q=0')
    expect(normaliseAcceptEncoding('gzip; q = 0')).toBe('gzip; q = 0')
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (value) => {
        const v = normaliseAcceptEncoding(value)
        // Normal forms are fixed points; a value kept as sent is one only if it is itself normal.
        expect(normaliseAcceptEncoding(v)).toBe(v)
      }),
      { numRuns: 5000 },
    )
  })
})
