import type { CacheEntry, HeaderValue, RequestHeaders } from './types.js'

/**
 * What a hit answers to a `Range` request from its complete stored entry: 206 with `Content-Range`
 * and the bytes `start`..`end` (inclusive) of the body, or 416 with `Content-Range: bytes *\/length`
 * and no body.
 */
export type RangeAnswer = { readonly status: 206; readonly start: number; readonly end: number; readonly contentRange: string } | { readonly status: 416; readonly contentRange: string }

function first(value: HeaderValue | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

const RANGE_SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/

/**
 * The answer to a GET hit's `Range` (RFC 9110 §14), or undefined when the whole entry is sent as
 * usual. Undefined, that is the Range is ignored as RFC 9110 §14.2 allows, when:
 * - the method is not GET (range handling is defined for GET only, so a HEAD gets the 200's headers);
 * - the entry is not a 200, or its response said `Accept-Ranges: none`;
 * - `If-Range` does not match the entry (RFC 9110 §13.1.5: a strong ETag compared strongly, or a
 *   date equal to a strong Last-Modified);
 * - the range is not `bytes=` or does not parse;
 * - it asks for several ranges: answering those takes multipart/byteranges, a body larder would
 *   build per request for a feature clients rarely use and that lets one request ask for the same
 *   bytes many times over; a 200 with the whole entry is a valid answer to it.
 *
 * Called only for a request that has a Range header, so a hit without one pays a single header read.
 */
export function answerRange(entry: CacheEntry, method: string, range: string | readonly string[], headers: RequestHeaders): RangeAnswer | undefined {
  if (method !== 'GET' || entry.status !== 200 || typeof range !== 'string') return undefined
  const acceptRanges = first(entry.headers['accept-ranges'])
  if (acceptRanges !== undefined && acceptRanges.trim().toLowerCase() === 'none') return undefined
  const ifRange = headers['if-range']
  if (ifRange !== undefined && !ifRangeMatches(entry, ifRange)) return undefined
  const eq = range.indexOf('=')
  if (eq === -1 || range.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined
  const specs = range.slice(eq + 1)
  if (specs.includes(',')) return undefined
  const m = RANGE_SPEC.exec(specs)
  if (m === null) return undefined
  const length = entry.body.byteLength
  const [, from, to] = m as unknown as [string, string, string]
  let start: number
  let end: number
  if (from === '') {
    // A suffix: the last `to` bytes.
    if (to === '') return undefined
    const suffix = Number(to)
    if (suffix === 0 || length === 0) return unsatisfiable(length)
    start = Math.max(0, length - suffix)
    end = length - 1
  } else {
    start = Number(from)
    end = to === '' ? length - 1 : Number(to)
    // last < first is invalid syntax (RFC 9110 §14.1.1), not an unsatisfiable range.
    if (to !== '' && end < start) return undefined
    if (start >= length) return unsatisfiable(length)
    end = Math.min(end, length - 1)
  }
  return { status: 206, start, end, contentRange: `bytes ${start}-${end}/${length}` }
}

function unsatisfiable(length: number): RangeAnswer {
  return { status: 416, contentRange: `bytes */${length}` }
}

/**
 * RFC 9110 §13.1.5: an entity tag matches only a strong ETag, compared strongly (a weak one never
 * matches); a date matches only a Last-Modified that is exactly that date and strong, that is at
 * least a second before the response's Date (§8.8.2.2). Anything else sends the whole entry.
 */
function ifRangeMatches(entry: CacheEntry, ifRange: string | readonly string[]): boolean {
  if (typeof ifRange !== 'string') return false
  const condition = ifRange.trim()
  if (condition.startsWith('"') || condition.startsWith('W/')) {
    const etag = first(entry.headers['etag'])?.trim()
    return etag !== undefined && !condition.startsWith('W/') && etag === condition
  }
  const lastModified = first(entry.headers['last-modified'])
  if (lastModified === undefined) return false
  const since = Date.parse(condition)
  const modified = Date.parse(lastModified)
  if (!Number.isFinite(since) || since !== modified) return false
  const date = Date.parse(first(entry.headers['date']) ?? '')
  return !Number.isFinite(date) || date - modified >= 1000
}
