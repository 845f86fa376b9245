import { createHash } from 'node:crypto'
import { normaliseAcceptEncoding } from './accept-encoding.js'
import { LarderOptionError, show } from './errors.js'
import { queryNormaliser, type QueryOption } from './query.js'
import type { RequestInfo } from './types.js'

export interface KeyOptions<R = any> {
  /** How the query string takes part in the key. Default 'all'. */
  query?: QueryOption
  /** Request headers that select a variant, e.g. ['accept-language']. Default none. */
  headers?: readonly string[]
  /**
   * How the host (as the handler sees it, port included, after trust proxy) is part of the key.
   * Default true. An array names hosts that serve the same content, e.g. one app reached on several
   * ports: requests for any of them share entries, and a request for any other host has entries of
   * its own, so a client cannot choose the host a shared response is built for. false leaves the
   * host out: only for routes whose responses never depend on it, since every client then shares
   * the response built for whatever Host the first one sent.
   */
  host?: boolean | readonly string[]
  /** A per-request discriminator such as a tenant or user id. `undefined`/`null` adds nothing. */
  custom?: (req: R) => string | number | undefined | null
}

/** A key for one request; `path` is the raw path, `query` the raw query string. */
export type KeyFunction = (info: RequestInfo, path: string, query: string) => string

/**
 * A request header's part of a key: '=' and its normalised value, or nothing when the request does
 * not carry it. An empty header is a variant of its own (RFC 9111 §4.1): an empty Accept-Encoding,
 * for one, asks for identity alone, which an absent one does not say.
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

function hostComponent(host: string | undefined): string {
  return escape(host ?? '')
}

/** The host component of `key.host: [...]`: the listed hosts (any case) all key as the first one. */
function sharedHost(hosts: readonly string[]): (host: string | undefined) => string {
  const listed = new Set(hosts.map((h) => h.toLowerCase()))
  const shared = escape(hosts[0]!.toLowerCase())
  return (host) => (host !== undefined && (listed.has(host) || listed.has(host.toLowerCase())) ? shared : escape(host ?? ''))
}

function text(value: string | string[]): string {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * What the handler sees of the origin the client asked for, besides the host: the scheme the
 * framework reports (`http` adds nothing), and the forwarding headers a proxy sets. Handlers read
 * those directly to build absolute URLs and redirects, whatever the framework's trust-proxy setting,
 * so each one present is in the key and a request carrying one never shares an entry with a request
 * without it. Keyed rather than refused: behind a proxy every request carries the same values, which
 * then share entries as before. A value the framework already reports as the host or scheme is only
 * marked present, so `key.host` still decides how the host is keyed. X-Forwarded-For is left out: it
 * names the client, and a response built from it is the client's own (mark it private).
 * Read one by one, like requestBypassReason's headers: most requests carry none of them.
 */
function originComponent(info: RequestInfo): string {
  const protocol = info.protocol
  let c = protocol === undefined || protocol === 'http' ? '' : '|s=' + escape(protocol)
  const h = info.headers
  const host = h['x-forwarded-host']
  const proto = h['x-forwarded-proto']
  const port = h['x-forwarded-port']
  const prefix = h['x-forwarded-prefix']
  const forwarded = h['forwarded']
  const scheme = h['x-forwarded-scheme']
  const server = h['x-forwarded-server']
  if (host === undefined && proto === undefined && port === undefined && prefix === undefined && forwarded === undefined && scheme === undefined && server === undefined) return c
  if (host !== undefined) c += host === info.host ? '|fh' : '|fh=' + escape(text(host))
  if (proto !== undefined) c += proto === protocol ? '|fp' : '|fp=' + escape(text(proto))
  if (port !== undefined) c += '|fport=' + escape(text(port))
  if (prefix !== undefined) c += '|fprefix=' + escape(text(prefix))
  if (forwarded !== undefined) c += '|fwd=' + escape(text(forwarded))
  if (scheme !== undefined) c += '|fscheme=' + escape(text(scheme))
  if (server !== undefined) c += '|fserver=' + escape(text(server))
  return c
}

/**
 * Builds the key function once at setup. Layout: `ns:GET:/path?canonical-query|@host|s=https|fh=…|h=…|k=…`
 * (`|h` alone for a header the request does not carry).
 * Every component is escaped so that it holds no '|' (and the path no '?'), and each is labelled,
 * so distinct requests cannot collide even across routes keyed differently. Keys longer than `maxKeyLength`
 * are replaced by a SHA-256 so a key has a bounded length whatever the request.
 */
export function keyFunction(options: KeyOptions | undefined, settings: KeySettings): KeyFunction {
  const o = options ?? {}
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new LarderOptionError(`key`, `option "key" must be an object such as { query: 'all', headers: ['accept-language'] }; got ${show(o)}`)
  }
  for (const k of Object.keys(o)) {
    if (!['query', 'headers', 'host', 'custom'].includes(k)) {
      throw new LarderOptionError(`key.${k}`, `unknown option "key.${k}"; valid ones are query, headers, host, custom (for example key: { headers: ['accept-language'] })`)
    }
  }
  const normaliseQuery = queryNormaliser(o.query, `key.query`)
  const headers = o.headers ?? []
  if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || h === '')) {
    throw new LarderOptionError(`key.headers`, `option "key.headers" must be an array of header names such as ['accept-language']; got ${show(headers)}`)
  }
  const headerNames = headers.map((h) => h.toLowerCase())
  const hostOption = o.host as unknown
  const validHosts = Array.isArray(hostOption) && hostOption.length > 0 && hostOption.every((h) => typeof h === 'string' && h !== '')
  if (hostOption !== undefined && typeof hostOption !== 'boolean' && !validHosts) {
    throw new LarderOptionError(
      `key.host`,
      `option "key.host" must be true, false or a non-empty array of the hosts that share entries, as clients send them (for example key: { host: ['example.com', 'www.example.com'] }); got ${show(hostOption)}`,
    )
  }
  const useHost = hostOption !== false
  const hostKey = validHosts ? sharedHost(hostOption as string[]) : hostComponent
  const custom = o.custom
  if (custom !== undefined && typeof custom !== 'function') {
    throw new LarderOptionError(`key.custom`, `option "key.custom" must be a function of the request such as (req) => req.user.id; got ${show(custom)}`)
  }
  const prefix = `${settings.namespace}:GET:`
  const { maxKeyLength } = settings

  return (info, path, query) => {
    let key = prefix + escape(path)
    if (query !== '') {
      const q = normaliseQuery(query, path)
      if (q !== '') key += '?' + q
    }
    if (useHost) key += '|@' + hostKey(info.host)
    key += originComponent(info)
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

/** What a route's key is computed from. */
export type KeyInputs = 'url' | 'url+host' | 'request'

/** What a key built with `options` is computed from: a key of the URL alone can be remembered per URL. */
export function keyInputs(options: KeyOptions | undefined): KeyInputs {
  if ((options?.headers?.length ?? 0) > 0 || options?.custom !== undefined) return 'request'
  return options?.host === false ? 'url' : 'url+host'
}

/** The names of the request headers a key function varies on (for checking a response's Vary). */
export function keyedHeaders(options: KeyOptions | undefined): ReadonlySet<string> {
  return new Set((options?.headers ?? []).map((h) => h.toLowerCase()))
}
