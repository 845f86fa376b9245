import { createHash } from 'node:crypto'
import { LarderOptionError, show } from './errors.js'
import { queryNormaliser, type QueryOption } from './query.js'
import type { KeyInputs } from './target.js'
import type { RequestInfo } from './types.js'

export interface KeyOptions<R = any> {
  /** How the query string takes part in the key. Default 'all'. */
  query?: QueryOption
  /** Request headers that select a variant, e.g. ['accept-language']. Default none. */
  headers?: readonly string[]
  /** Whether the host (as the handler sees it) is part of the key. Default true. */
  host?: boolean
  /** A per-request discriminator such as a tenant or user id. `undefined`/`null` adds nothing. */
  custom?: (req: R) => string | number | undefined | null
}

/** A key for one request; `path` is the raw path, `query` the raw query string. */
export type KeyFunction = (info: RequestInfo, path: string, query: string) => string

// Encodings a compressing middleware may choose between; anything else cannot change the body.
const ENCODINGS = ['br', 'deflate', 'gzip', 'zstd']

/**
 * Accept-Encoding reduced to what can change the representation: the set of known encodings the
 * client accepts. `gzip, deflate, br` and `br;q=1.0, gzip, deflate` share one variant.
 */
function normaliseAcceptEncoding(value: string): string {
  const accepted: string[] = []
  for (const part of value.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q !== undefined && Number(q.slice(2)) === 0) continue
    if (coding === '*') return ENCODINGS.join(',')
    if (coding !== undefined && ENCODINGS.includes(coding) && !accepted.includes(coding)) accepted.push(coding)
  }
  return accepted.sort().join(',')
}

/**
 * A request header's part of a key: '=' and its normalised value, or nothing when the request does
 * not carry it. An empty header is a variant of its own (RFC 9111 §4.1): an empty Accept-Encoding
 * asks for no encoding at all, an absent one accepts any.
 */
function headerComponent(name: string, value: string | string[] | undefined): string {
  if (value === undefined) return ''
  const text = Array.isArray(value) ? value.join(',') : value
  return '=' + escape(name === 'accept-encoding' ? normaliseAcceptEncoding(text) : text.trim())
}

/** Escapes the component separator; escaping '%' first keeps it injective. */
function escape(v: string): string {
  if (!v.includes('%') && !v.includes('|')) return v
  return v.replace(/%/g, '%25').replace(/\|/g, '%7C')
}

export interface KeySettings {
  namespace: string
  maxKeyLength: number
}

/**
 * Builds the key function once at setup. Layout: `ns:GET:/path?canonical-query|@host|h=…|k=…`
 * (`|h` alone for a header the request does not carry).
 * Every component is escaped so that it holds no '|' (and the path no '?'), and each is labelled,
 * so distinct requests cannot collide even across routes keyed differently. Keys longer than `maxKeyLength`
 * are replaced by a SHA-256 so a key has a bounded length whatever the request.
 */
export function keyFunction(options: KeyOptions | undefined, settings: KeySettings, where: string): KeyFunction {
  const o = options ?? {}
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new LarderOptionError(`${where}key`, `option "${where}key" must be an object such as { query: 'all', headers: ['accept-language'] }; got ${show(o)}`)
  }
  for (const k of Object.keys(o)) {
    if (!['query', 'headers', 'host', 'custom'].includes(k)) {
      throw new LarderOptionError(`${where}key.${k}`, `unknown option "${where}key.${k}"; valid ones are query, headers, host, custom (for example key: { headers: ['accept-language'] })`)
    }
  }
  const normaliseQuery = queryNormaliser(o.query, `${where}key.query`)
  const headers = o.headers ?? []
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || h === '')) {
    throw new LarderOptionError(`${where}key.headers`, `option "${where}key.headers" must be an array of header names such as ['accept-language']; got ${show(headers)}`)
  }
  const headerNames = headers.map((h) => h.toLowerCase())
  if (o.host !== undefined && typeof o.host !== 'boolean') {
    throw new LarderOptionError(`${where}key.host`, `option "${where}key.host" must be true or false (for example key: { host: false }); got ${show(o.host)}`)
  }
  const useHost = o.host !== false
  const custom = o.custom
  if (custom !== undefined && typeof custom !== 'function') {
    throw new LarderOptionError(`${where}key.custom`, `option "${where}key.custom" must be a function of the request such as (req) => req.user.id; got ${show(custom)}`)
  }
  const prefix = `${settings.namespace}:GET:`
  const { maxKeyLength } = settings

  return (info, path, query) => {
    let key = prefix + escape(path)
    if (query !== '') {
      const q = normaliseQuery(query, path)
      if (q !== '') key += '?' + q
    }
    if (useHost) key += '|@' + escape(info.host ?? '')
    for (const name of headerNames) key += '|h' + headerComponent(name, info.headers[name])
    if (custom) {
      const v = custom(info.raw)
      if (v !== undefined && v !== null) key += '|k=' + escape(String(v))
    }
    if (key.length > maxKeyLength) key = `${settings.namespace}:GET:#${createHash('sha256').update(key).digest('base64url')}`
    return key
  }
}

/**
 * The key of one variant of a response that varies (its Vary header) on request headers the route's
 * key does not include: the primary key plus each of those headers' normalised request values.
 */
export function variantKey(primary: string, names: readonly string[], headers: RequestInfo['headers'], settings: KeySettings): string {
  let key = primary
  for (const name of names) key += '|v.' + escape(name) + headerComponent(name, headers[name])
  if (key.length > settings.maxKeyLength) key = `${settings.namespace}:GET:#${createHash('sha256').update(key).digest('base64url')}`
  return key
}

/** What a key built with `options` is computed from: a key of the URL alone can be remembered per URL. */
export function keyInputs(options: KeyOptions | undefined): KeyInputs {
  if ((options?.headers?.length ?? 0) > 0 || options?.custom !== undefined) return 'request'
  return options?.host === false ? 'url' : 'url+host'
}

/** The names of the request headers a key function varies on (for checking a response's Vary). */
export function keyedHeaders(options: KeyOptions | undefined): ReadonlySet<string> {
  return new Set((options?.headers ?? []).map((h) => h.toLowerCase()))
}
