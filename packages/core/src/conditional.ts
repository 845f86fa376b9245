import { createHash } from 'node:crypto'
import type { CacheEntry, HeaderValue, RequestHeaders } from './types.js'

/** Headers a 304 carries (RFC 9110 §15.4.5): what a 200 would have sent of these, and no body. */
export const NOT_MODIFIED_HEADERS: ReadonlySet<string> = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'])

function first(value: HeaderValue | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** A strong validator for a body the handler sent without one, so every entry can answer 304s. */
export function bodyEtag(body: Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag)

/**
 * Whether a 304's ETag can be the stored response's (RFC 9111 §4.3.4): a 304 without one, or an
 * entry without one, selects it; otherwise the tags must match (weakly: larder sends its stored
 * tag as If-None-Match, which the handler compares weakly).
 */
export function sameValidator(stored: HeaderValue | undefined, received: HeaderValue | undefined): boolean {
  const a = first(stored)
  const b = first(received)
  return a === undefined || b === undefined || opaque(a.trim()) === opaque(b.trim())
}

/**
 * Whether a stored entry satisfies the request's conditions, so the answer is 304. If-None-Match
 * uses weak comparison and, when present, If-Modified-Since is ignored (RFC 9110 §13.2.2).
 */
export function isNotModified(entry: CacheEntry, request: RequestHeaders): boolean {
  const inm = request['if-none-match']
  if (inm !== undefined) {
    const etag = first(entry.headers['etag'])
    if (etag === undefined) return false
    const list = Array.isArray(inm) ? inm.join(',') : inm
    if (list.trim() === '*') return true
    const mine = opaque(etag)
    return list.split(',').some((t) => opaque(t.trim()) === mine)
  }
  const ims = request['if-modified-since']
  if (typeof ims !== 'string') return false
  const lastModified = first(entry.headers['last-modified'])
  if (lastModified === undefined) return false
  const since = Date.parse(ims)
  const modified = Date.parse(lastModified)
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since
}

// What makes a handler answer with less than the whole response: a 304 to a matching validator, a
// 206 to a range. Neither can be stored, nor shared with the requests waiting on the miss.
const PARTIAL_REQUEST_HEADERS = ['if-none-match', 'if-modified-since', 'range', 'if-range'] as const

/**
 * Removes the conditional and range headers from a request that leads a miss, so its handler
 * renders the whole response, which is stored and shared (HTTP lets a server answer such a request
 * with a 200). Otherwise one client revalidating a copy it holds would leave every request waiting
 * on the miss to run its own handler. `validators`: the stale entry's, when the miss revalidates it
 * (`Fill.validators`): the handler is asked with them instead, and may answer 304. For adapters
 * whose requests carry Node's headers object: the engine only says when
 * (`MissOutcome.wholeResponse`), the adapter owns its request. Returns the request's own values of
 * the headers it changed (undefined: none), for `restoreRequest`.
 */
export function askForWholeResponse(headers: RequestHeaders, validators?: RequestHeaders): RequestHeaders | undefined {
  const writable = headers as Record<string, unknown>
  let asked: Record<string, RequestHeaders[string]> | undefined
  for (const name of PARTIAL_REQUEST_HEADERS) {
    const value = headers[name]
    if (value === undefined && validators?.[name] === undefined) continue
    ;(asked ??= {})[name] = value
    if (value !== undefined) delete writable[name]
  }
  if (validators !== undefined) for (const name in validators) writable[name] = validators[name]
  return asked
}

/**
 * Puts back what `askForWholeResponse` changed (it returns the request's own values), for an
 * adapter whose request a later larder takes over with an outcome that does not ask for the whole
 * response (a route that opts out): that handler must see the client's own conditions.
 */
export function restoreRequest(headers: RequestHeaders, asked: RequestHeaders): void {
  const writable = headers as Record<string, unknown>
  for (const name in asked) {
    if (asked[name] === undefined) delete writable[name]
    else writable[name] = asked[name]
  }
}
