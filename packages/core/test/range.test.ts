import { describe, expect, it } from 'vitest'
import { isUnsafeMethod } from '../src/methods.js'
import { answerRange } from '../src/range.js'
import type { CacheEntry, HeaderValue } from '../src/types.js'

const entry = (body: string, headers: Record<string, HeaderValue> = {}, status = 200): CacheEntry => ({ status, headers, body: Buffer.from(body), storedAt: 0, expiresAt: 1 })
const TEN = entry('0123456789', { etag: '"v1"', 'last-modified': 'Wed, 21 Oct 2026 07:28:00 GMT', date: 'Wed, 21 Oct 2026 08:00:00 GMT' })
const answer = (range: string, headers: Record<string, string> = {}, e = TEN, method = 'GET') => answerRange(e, method, range, headers)

describe('answerRange', () => {
  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=2-4', 2, 4],
    ['bytes=5-', 5, 9],
    ['bytes=9-', 9, 9],
    ['bytes=0-9', 0, 9],
    ['bytes=3-1000', 3, 9],
    ['bytes=-1', 9, 9],
    ['bytes=-4', 6, 9],
    ['bytes=-10', 0, 9],
    ['bytes=-99999999999999999999', 0, 9],
    ['BYTES=1-2', 1, 2],
    [' bytes = 1 - 2 ', 1, 2],
  ])('%s → 206 of bytes %i-%i', (range, start, end) => {
    expect(answer(range)).toEqual({ status: 206, start, end, contentRange: `bytes ${start}-${end}/10` })
  })

  it.each(['bytes=10-', 'bytes=10-20', 'bytes=99999999999999999999-', 'bytes=-0'])('%s → 416', (range) => {
    expect(answer(range)).toEqual({ status: 416, contentRange: 'bytes */10' })
  })

  it('every range of an empty body is unsatisfiable', () => {
    for (const range of ['bytes=0-', 'bytes=-5', 'bytes=0-0']) expect(answer(range, {}, entry(''))).toEqual({ status: 416, contentRange: 'bytes */0' })
  })

  it.each(['bytes=4-2', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=0x1-2', 'bytes=+1-2', 'bytes=1.5-2', 'items=0-1', '0-1', '', 'bytes=0-1,4-5', 'bytes=0-1,'])(
    '%j is ignored (syntax, unit, or several ranges)',
    (range) => {
      expect(answer(range)).toBeUndefined()
    },
  )

  it('only for a GET of a 200 whose response did not refuse ranges', () => {
    expect(answer('bytes=0-1', {}, TEN, 'HEAD')).toBeUndefined()
    expect(answer('bytes=0-1', {}, entry('0123', {}, 203))).toBeUndefined()
    expect(answer('bytes=0-1', {}, entry('0123', { 'accept-ranges': 'None' }))).toBeUndefined()
    expect(answer('bytes=0-1', {}, entry('0123', { 'accept-ranges': 'bytes' }))?.status).toBe(206)
  })

  it('a Range sent twice is ignored', () => {
    expect(answerRange(TEN, 'GET', ['bytes=0-1', 'bytes=2-3'], {})).toBeUndefined()
  })

  describe('If-Range (RFC 9110 §13.1.5)', () => {
    it.each([
      ['"v1"', true],
      [' "v1" ', true],
      ['"v2"', false],
      ['W/"v1"', false],
      ['Wed, 21 Oct 2026 07:28:00 GMT', true],
      ['Wed, 21 Oct 2026 07:28:01 GMT', false],
      ['Tue, 20 Oct 2026 07:28:00 GMT', false],
      ['not a date', false],
    ])('%j applies the range: %s', (ifRange, applies) => {
      expect(answer('bytes=0-1', { 'if-range': ifRange })?.status).toBe(applies ? 206 : undefined)
    })

    it('a weak ETag on the entry never matches', () => {
      expect(answer('bytes=0-1', { 'if-range': 'W/"v1"' }, entry('0123', { etag: 'W/"v1"' }))).toBeUndefined()
      expect(answer('bytes=0-1', { 'if-range': '"v1"' }, entry('0123', { etag: 'W/"v1"' }))).toBeUndefined()
    })

    it('a date matches only a strong Last-Modified: one at least a second before the Date', () => {
      const lm = 'Wed, 21 Oct 2026 07:28:00 GMT'
      expect(answer('bytes=0-1', { 'if-range': lm }, entry('0123', { 'last-modified': lm, date: lm }))).toBeUndefined()
      expect(answer('bytes=0-1', { 'if-range': lm }, entry('0123', { 'last-modified': lm, date: 'Wed, 21 Oct 2026 07:28:01 GMT' }))?.status).toBe(206)
      expect(answer('bytes=0-1', { 'if-range': lm }, entry('0123', { etag: '"x"' }))).toBeUndefined()
    })
  })
})

describe('isUnsafeMethod', () => {
  it('is false only for the safe methods of RFC 9110 and the IANA registry', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'REPORT', 'SEARCH']) expect(isUnsafeMethod(m), m).toBe(false)
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'PURGE', 'LOCK', 'UNLOCK', 'MKCOL', 'COPY', 'MOVE', 'PROPPATCH', 'LINK', 'UNLINK', 'QUERY', 'FOO', 'get']) expect(isUnsafeMethod(m), m).toBe(true)
  })
})
