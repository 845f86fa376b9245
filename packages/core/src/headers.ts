import type { HeaderValue, ResponseHeaders } from './types.js'

/**
 * Headers never stored: hop-by-hop ones (RFC 9110 §7.6.1) and those that describe one particular
 * transmission rather than the resource, which are recomputed on every hit. `date` is stored: a
 * hit carries the stored response's own Date, when it was generated, and `Age` says how long ago
 * (RFC 9110 §6.6.1, RFC 9111 §4); a new Date per hit would make a stored response look newly made.
 */
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
  'content-length',
  'set-cookie',
])

export type CacheControl = ReadonlyMap<string, string | true>

/**
 * larder's own targeted cache-control field (RFC 9213): directives a handler gives larder alone
 * ("keep an hour here, tell browsers no-cache"). It overrides Cache-Control, CDN-Cache-Control and
 * Expires for larder, and larder removes it before a response is sent.
 */
export const LARDER_CACHE_CONTROL = 'larder-cache-control'

// An app sends a handful of distinct Cache-Control values, and a miss reads its response's twice
// (at the head, and again when it ends): each distinct value is parsed once. Bounded, for apps that
// put varying values in it.
const PARSED = new Map<string, CacheControl>()
const MAX_PARSED = 256
const NONE: CacheControl = new Map()

/** Parses a Cache-Control value into lower-case directives. The result is shared: never mutate it. */
export function parseCacheControl(value: unknown): CacheControl {
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : ''
  if (text === '') return NONE
  let cc = PARSED.get(text)
  if (cc === undefined) {
    cc = parseDirectives(text)
    if (PARSED.size >= MAX_PARSED) PARSED.clear()
    PARSED.set(text, cc)
  }
  return cc
}

function parseDirectives(text: string): CacheControl {
  const out = new Map<string, string | true>()
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (name === '') continue
    let arg: string | true = true
    if (eq !== -1) arg = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    if (!out.has(name)) out.set(name, arg)
  }
  return out
}

// RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
const MAX_DELTA_SECONDS = 2 ** 31

/**
 * A delta-seconds directive value, or undefined when absent or malformed. Never more than 2^31, so
 * a value of hundreds of digits cannot become Infinity in later arithmetic.
 */
export function deltaSeconds(cc: CacheControl, name: string): number | undefined {
  const v = cc.get(name)
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined
  return Math.min(Number(v), MAX_DELTA_SECONDS)
}

/** Comma-separated header values as a lower-case list (Vary, Connection). */
export function headerTokens(value: unknown): string[] {
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : ''
  if (text === '') return []
  return text
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '')
}

/**
 * The headers kept with an entry: lower-case names, values as strings, minus hop-by-hop and
 * per-transmission headers, minus any header the response's own `Connection` names, minus the
 * cache status header (it is set afresh on every response).
 */
export function storableHeaders(headers: ResponseHeaders, statusHeader: string | undefined): Record<string, HeaderValue> {
  const connectionListed = headerTokens(headers['connection'])
  const out: Record<string, HeaderValue> = {}
  for (const rawName of Object.keys(headers)) {
    const value = headers[rawName]
    if (value === undefined) continue
    const name = rawName.toLowerCase()
    if (NOT_STORED.has(name) || name === statusHeader || connectionListed.includes(name)) continue
    out[name] = Array.isArray(value) ? value.map(String) : String(value)
  }
  return out
}

/** Rough heap cost of a header record, for the memory store's byte budget. */
export function headersSize(headers: Record<string, HeaderValue>): number {
  let size = 0
  for (const name in headers) {
    const v = headers[name]!
    size += name.length + 16 + (Array.isArray(v) ? v.reduce((n, s) => n + s.length + 16, 0) : v.length)
  }
  return size * 2
}
