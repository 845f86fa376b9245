import { initialAgeMs, MAX_LIFETIME_SECONDS, parseHttpDate } from './freshness.js'
import { parseTargetedField } from './targeted-field.js'
import { deltaSeconds, headerTokens, LARDER_CACHE_CONTROL, parseCacheControl, type CacheControl } from './headers.js'
import type { ResolvedRoute } from './options.js'
import type { CacheEntry, HeaderSource, RequestHeaders, ResponseHeaders } from './types.js'

/**
 * Why a GET/HEAD request skips the cache entirely, or undefined when it may be served from it.
 * A request with a body or a method override is not a plain read: a framework may route it as
 * something else, so it neither reads nor fills an entry (fat GET / method-override poisoning).
 */
export function requestBypassReason(headers: RequestHeaders): string | undefined {
  const length = headers['content-length']
  if ((length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined) return 'request-body'
  if (headers['x-http-method-override'] !== undefined || headers['x-http-method'] !== undefined || headers['x-method-override'] !== undefined) {
    return 'method-override'
  }
  // Headers that rewrite the host or URL for some middleware and proxies, yet are in no cache key:
  // a request carrying one could store a response built for another target under the plain
  // request's key (unkeyed-header poisoning). The forwarding headers proxies send on every request
  // (X-Forwarded-Host/-Proto/-Port/-Prefix/-Scheme/-Server, Forwarded) are not here: they are keyed
  // (see originComponent in key.ts), so caching keeps working behind ingress-nginx or Traefik.
  // Spelled out rather than looped over: a load by a name that changes is a megamorphic lookup,
  // and the loop cost more than the rest of a miss's checks together.
  if (
    headers['x-original-url'] !== undefined ||
    headers['x-rewrite-url'] !== undefined ||
    headers['x-host'] !== undefined ||
    headers['x-http-host-override'] !== undefined
  ) {
    return 'override-header'
  }
  return undefined
}

/** Credentials a request carries that its route does not key on, named by the sharing rule they call for. */
export type Credentials = 'authorization' | 'cookie' | undefined

/**
 * 'cookie' for a Cookie (unless allowCookies), else 'authorization' for Authorization (unless
 * allowAuthorized). A request with both gets the cookie's rule, the stricter: it must satisfy both.
 */
export function credentialsOf(headers: RequestHeaders, route: ResolvedRoute): Credentials {
  if (headers['cookie'] !== undefined && !route.allowCookies) return 'cookie'
  return headers['authorization'] !== undefined && !route.allowAuthorized ? 'authorization' : undefined
}

/**
 * Whether a request with `credentials` may be answered from, or stored in, the shared cache through
 * a response with these headers. Authorization: public, s-maxage or must-revalidate (RFC 9111 §3.5).
 * Cookie: public or s-maxage only. must-revalidate says how to reuse a response, not that it is the
 * same for everyone, and pages personalised by a session cookie commonly carry it
 * (`max-age=60, must-revalidate`): shared, they would reach every visitor.
 */
export function sharedWith(credentials: Credentials, headers: ResponseHeaders): boolean {
  return sharedCacheControl(headers['cache-control'], credentials)
}

function sharedCacheControl(value: ResponseHeaders[string], credentials: Credentials): boolean {
  const cc = parseCacheControl(value)
  return cc.has('public') || cc.has('s-maxage') || (credentials === 'authorization' && cc.has('must-revalidate'))
}

/** Headers in a plain object, as a HeaderSource. */
export const PLAIN_HEADERS: HeaderSource<ResponseHeaders> = {
  get: (headers, name) => headers[name],
  all: (headers) => headers,
}

/**
 * What a client's own Cache-Control asks of the cache (RFC 9111 §5.2.1), when the route lets
 * clients ask. Times in ms; `maxStale` is Infinity for a bare `max-stale`.
 */
export interface RequestDirectives {
  /** no-store: the cache stays out of the request. */
  readonly bypass: boolean
  /** no-cache, max-age=0, or Pragma: no-cache without Cache-Control: the handler answers. */
  readonly refresh: boolean
  readonly maxAge: number | undefined
  readonly minFresh: number | undefined
  readonly maxStale: number | undefined
  /** only-if-cached: answered from the cache or with 504, never by the handler. */
  readonly onlyIfCached: boolean
}

const PRAGMA_NO_CACHE: RequestDirectives = Object.freeze({ bypass: false, refresh: true, maxAge: undefined, minFresh: undefined, maxStale: undefined, onlyIfCached: false })
const REQUEST_DIRECTIVES = new Map<string, RequestDirectives | undefined>()

/** The request's directives, or undefined when it has none the cache acts on. */
export function requestDirectives(headers: RequestHeaders): RequestDirectives | undefined {
  const raw = headers['cache-control']
  if (raw === undefined) return headers['pragma'] === 'no-cache' ? PRAGMA_NO_CACHE : undefined
  const text = Array.isArray(raw) ? raw.join(',') : raw
  if (REQUEST_DIRECTIVES.has(text)) return REQUEST_DIRECTIVES.get(text)
  const cc = parseCacheControl(text)
  const maxAge = deltaSeconds(cc, 'max-age')
  const maxStale = cc.get('max-stale') === true ? Infinity : deltaSeconds(cc, 'max-stale')
  const minFresh = deltaSeconds(cc, 'min-fresh')
  const bypass = cc.has('no-store')
  const refresh = cc.has('no-cache') || maxAge === 0
  const onlyIfCached = cc.has('only-if-cached')
  const seconds = (v: number | undefined) => (v === undefined ? undefined : v * 1000)
  const directives =
    bypass || refresh || onlyIfCached || maxAge !== undefined || maxStale !== undefined || minFresh !== undefined
      ? Object.freeze({ bypass, refresh, maxAge: seconds(maxAge), minFresh: seconds(minFresh), maxStale: seconds(maxStale), onlyIfCached })
      : undefined
  if (REQUEST_DIRECTIVES.size >= 256) REQUEST_DIRECTIVES.clear()
  REQUEST_DIRECTIVES.set(text, directives)
  return directives
}

/**
 * Whether a stored response's own directives forbid serving it stale, whatever the client allows
 * (RFC 9111 §5.2.2.2, §5.2.2.8, §5.2.2.10: must-revalidate, proxy-revalidate, s-maxage; and
 * no-cache, which allows no use without revalidation).
 */
export function mustRevalidate(entry: CacheEntry, route: ResolvedRoute): boolean {
  const cc = directivesOf(PLAIN_HEADERS, entry.headers, route).directives
  return cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage') || cc.has('no-cache')
}

/**
 * A response that may be stored: `lifetimeMs` of freshness (RFC 9111 §4.2.1) counted from an age of
 * `initialAgeMs` (§4.2.3); `staleReason` says why it is stale already, when it is (it is then stored
 * only to be revalidated); `vary`: the request headers it varies on that the key does not already
 * include, sorted.
 */
export interface StoreAllowed {
  store: true
  lifetimeMs: number
  initialAgeMs: number
  staleReason: string | undefined
  vary: string[]
}

export type StoreDecision = StoreAllowed | { readonly store: false; readonly reason: string }

// Most misses of an uncacheable route end in a refusal: one shared object per reason, not one per response.
const REFUSALS = new Map<string, StoreDecision>()
function refuse(reason: string): StoreDecision {
  let r = REFUSALS.get(reason)
  if (r === undefined) REFUSALS.set(reason, (r = Object.freeze({ store: false, reason })))
  return r
}

/**
 * Whether a response may be stored, and for how long. The directives are those of `directivesOf`
 * (a targeted field, else Cache-Control). Never stored: other statuses, no-store, private,
 * Set-Cookie (unless the route allows it; the cookie is never stored), Vary: *, a Content-Length
 * above the body limit, for a request with credentials anything `sharedWith` refuses them, and with
 * `requireFreshness` a response that states no freshness. A response stale on arrival (no-cache,
 * max-age=0, an Expires at or before its Date or invalid, an Age past its lifetime) is stored
 * only while the route keeps stale entries, for revalidation.
 *
 * `requestTime`: when the request reached the cache; `now`: when the response's head did. `seen`,
 * if given, gets the directives read, so a caller need not read the headers again.
 */
export function responseDecision<T>(status: number, source: HeaderSource<T>, response: T, route: ResolvedRoute, credentials: Credentials, requestTime: number, now: number, seen?: { control: Directives | undefined }): StoreDecision {
  if (!route.statuses.has(status)) return refuse('status')
  // Read one by one, in the order that refuses an uncacheable response soonest: most never get past
  // here, and most say so in their directives. An absent header is the dearest read (Fastify asks its
  // own headers, then Node's), so Set-Cookie, absent from most responses, is read only after.
  const control = directivesOf(source, response, route)
  if (seen !== undefined) seen.control = control
  const cc = control.directives
  const veto = directiveVeto(cc, status) ?? setCookieVeto(source.get(response, 'set-cookie'), route)
  if (veto) return refuse(veto)
  const cacheControl = control.targeted ? source.get(response, 'cache-control') : control.value
  if (credentials !== undefined && !sharedCacheControl(cacheControl, credentials)) return refuse('credentials')
  const vary: string[] = []
  for (const name of headerTokens(source.get(response, 'vary'))) {
    if (name === '*') return refuse('vary')
    if (!route.keyedHeaders.has(name) && !vary.includes(name)) vary.push(name)
  }
  vary.sort()
  const length = Number(source.get(response, 'content-length'))
  if (length > route.maxBodyBytes) return refuse('too-large')
  let lifetimeMs = route.ttlMs
  let initialAge = 0
  let staleReason: string | undefined
  if (route.respectCacheControl) {
    initialAge = initialAgeMs(source.get(response, 'age'), source.get(response, 'date'), requestTime, now)
    const explicit = explicitLifetime(cc, control.targeted, source, response, now)
    if (explicit !== undefined) {
      lifetimeMs = Math.min(explicit.seconds, MAX_LIFETIME_SECONDS) * 1000
      if (lifetimeMs === 0) staleReason = explicit.zero
    } else if (route.requireFreshness) return refuse('no-freshness')
    if (staleReason === undefined && lifetimeMs <= initialAge) staleReason = 'stale'
  }
  // It demands revalidation before every use (RFC 9111 §5.2.2.4): stored, it is stale at once.
  if (cc.has('no-cache')) staleReason = 'no-cache'
  if (staleReason !== undefined && route.keepStaleMs === 0) return refuse(staleReason)
  return { store: true, lifetimeMs, initialAgeMs: initialAge, staleReason, vary }
}

/**
 * The freshness lifetime a response states (RFC 9111 §4.2.1): s-maxage, else max-age, else
 * Expires − Date; undefined when it states none. A malformed s-maxage or max-age (negative, not a
 * number, without a value) states a lifetime of zero, and so does an invalid Expires (§5.3);
 * `zero` names which, for the reason header. A targeted field overrides Expires (RFC 9213 §2.1).
 */
function explicitLifetime<T>(cc: CacheControl, targeted: boolean, source: HeaderSource<T>, response: T, now: number): { seconds: number; zero: string } | undefined {
  for (const name of ['s-maxage', 'max-age']) {
    if (!cc.has(name)) continue
    return { seconds: deltaSeconds(cc, name) ?? 0, zero: 'max-age=0' }
  }
  if (targeted) return undefined
  const expires = source.get(response, 'expires')
  if (expires === undefined) return undefined
  const at = parseHttpDate(expires)
  const date = source.get(response, 'date')
  const base = (date === undefined ? undefined : parseHttpDate(date)) ?? now
  return { seconds: at === undefined ? 0 : Math.max(0, Math.floor((at - base) / 1000)), zero: 'expired' }
}

/** The directives that govern larder for a response (see `directivesOf`). */
export interface Directives {
  readonly directives: CacheControl
  /** From a targeted field, which overrides Cache-Control and Expires for larder (RFC 9213 §2.1). */
  readonly targeted: boolean
  /** The raw value the directives were read from. */
  readonly value: ResponseHeaders[string]
  /** Whether the response carries larder's own field (valid or not), which must not reach the client. */
  readonly ownField: boolean
}

/**
 * The directives larder follows for a response: larder's own targeted field (`Larder-Cache-Control`),
 * else `CDN-Cache-Control` where the route opts in, else `Cache-Control`. A targeted field counts
 * only when it is valid (see parseTargetedField).
 */
export function directivesOf<T>(source: HeaderSource<T>, response: T, route: ResolvedRoute): Directives {
  const own = source.get(response, LARDER_CACHE_CONTROL)
  const ownField = own !== undefined
  if (ownField) {
    const directives = parseTargetedField(own)
    if (directives !== undefined) return { directives, targeted: true, value: own, ownField }
  }
  if (route.cdnCacheControl) {
    const cdn = source.get(response, 'cdn-cache-control')
    if (cdn !== undefined) {
      const directives = parseTargetedField(cdn)
      if (directives !== undefined) return { directives, targeted: true, value: cdn, ownField }
    }
  }
  const value = source.get(response, 'cache-control')
  return { directives: parseCacheControl(value), targeted: false, value, ownField }
}

/**
 * The checks that must also hold on the headers as finally sent: middleware that runs when headers
 * are written (sessions adding Set-Cookie, say) can change them after the handler's view was taken.
 */
export function headerVeto(headers: ResponseHeaders, route: ResolvedRoute, status: number): string | undefined {
  return directiveVeto(directivesOf(PLAIN_HEADERS, headers, route).directives, status) ?? setCookieVeto(headers['set-cookie'], route)
}

function setCookieVeto(setCookie: ResponseHeaders[string], route: ResolvedRoute): string | undefined {
  return setCookie !== undefined && !route.allowSetCookie ? 'set-cookie' : undefined
}

// The final status codes RFC 9110 defines, whose caching rules larder implements (RFC 9111 §5.2.2.3).
const UNDERSTOOD = new Set([200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 500, 501, 502, 503, 504, 505])

function directiveVeto(directives: CacheControl, status: number): string | undefined {
  if (directives.size === 0) return undefined
  // must-understand: a cache that knows the status code's rules stores by them, whatever no-store says.
  if (directives.has('no-store') && !(directives.has('must-understand') && UNDERSTOOD.has(status))) return 'no-store'
  if (directives.has('private')) return 'private'
  return undefined
}
