import { MAX_LIFETIME_SECONDS, staleByExpires } from './freshness.js'
import { deltaSeconds, headerTokens, parseCacheControl } from './headers.js'
import type { ResolvedRoute } from './options.js'
import type { HeaderSource, RequestHeaders, ResponseHeaders } from './types.js'

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
 * What a client's own Cache-Control asks of the cache, when the route lets clients ask:
 * 'bypass' (no-store), 'refresh' (no-cache, max-age=0, Pragma: no-cache) or nothing.
 */
export function clientDirective(headers: RequestHeaders): 'bypass' | 'refresh' | undefined {
  const raw = headers['cache-control']
  if (raw === undefined) return headers['pragma'] === 'no-cache' ? 'refresh' : undefined
  const cc = parseCacheControl(raw)
  if (cc.has('no-store')) return 'bypass'
  if (cc.has('no-cache') || deltaSeconds(cc, 'max-age') === 0) return 'refresh'
  return undefined
}

/** `vary`: the request headers the response varies on that the key does not already include, sorted. */
export type StoreDecision = { store: true; ttlMs: number; vary: string[] } | { readonly store: false; readonly reason: string }

// Most misses of an uncacheable route end in a refusal: one shared object per reason, not one per response.
const REFUSALS = new Map<string, StoreDecision>()
function refuse(reason: string): StoreDecision {
  let r = REFUSALS.get(reason)
  if (r === undefined) REFUSALS.set(reason, (r = Object.freeze({ store: false, reason })))
  return r
}

/**
 * Whether a response may be stored, and for how long. Freshness: s-maxage, then max-age, then the
 * route's ttl, at most MAX_LIFETIME_SECONDS. Never stored: other statuses, no-store, private,
 * no-cache (it demands revalidation, which a replay cannot do), Set-Cookie (unless the route allows
 * it; the cookie is never stored), Vary: *, a Content-Length above the body limit, a response
 * already stale (max-age=0, or without max-age/s-maxage an Expires at or before its Date, or
 * invalid), and, for a request with credentials, anything `sharedWith` refuses them.
 */
export function responseDecision<T>(status: number, source: HeaderSource<T>, response: T, route: ResolvedRoute, credentials: Credentials): StoreDecision {
  if (!route.statuses.has(status)) return refuse('status')
  // Read one by one, in the order that refuses an uncacheable response soonest: most never get past
  // here, and most say so in Cache-Control. An absent header is the dearest read (Fastify asks its
  // own headers, then Node's), so Set-Cookie, absent from most responses, is read only after.
  const cacheControl = source.get(response, 'cache-control')
  const veto = cacheControlVeto(cacheControl) ?? setCookieVeto(source.get(response, 'set-cookie'), route)
  if (veto) return refuse(veto)
  if (credentials !== undefined && !sharedCacheControl(cacheControl, credentials)) return refuse('credentials')
  const vary: string[] = []
  for (const name of headerTokens(source.get(response, 'vary'))) {
    if (name === '*') return refuse('vary')
    if (!route.keyedHeaders.has(name) && !vary.includes(name)) vary.push(name)
  }
  vary.sort()
  const length = Number(source.get(response, 'content-length'))
  if (length > route.maxBodyBytes) return refuse('too-large')
  let ttlMs = route.ttlMs
  if (route.respectCacheControl) {
    const cc = parseCacheControl(cacheControl)
    const seconds = deltaSeconds(cc, 's-maxage') ?? deltaSeconds(cc, 'max-age')
    if (seconds !== undefined) {
      if (seconds === 0) return refuse('max-age=0')
      ttlMs = Math.min(seconds, MAX_LIFETIME_SECONDS) * 1000
    } else {
      // RFC 9111 §5.3: max-age and s-maxage override Expires, so it is read only without them.
      const expires = source.get(response, 'expires')
      if (expires !== undefined && staleByExpires(expires, source.get(response, 'date'), Date.now())) return refuse('expired')
    }
  }
  return { store: true, ttlMs, vary }
}

/**
 * The checks that must also hold on the headers as finally sent: middleware that runs when headers
 * are written (sessions adding Set-Cookie, say) can change them after the handler's view was taken.
 */
export function headerVeto(headers: ResponseHeaders, route: ResolvedRoute): string | undefined {
  return cacheControlVeto(headers['cache-control']) ?? setCookieVeto(headers['set-cookie'], route)
}

function setCookieVeto(setCookie: ResponseHeaders[string], route: ResolvedRoute): string | undefined {
  return setCookie !== undefined && !route.allowSetCookie ? 'set-cookie' : undefined
}

function cacheControlVeto(cacheControl: ResponseHeaders[string]): string | undefined {
  if (cacheControl === undefined) return undefined
  const directives = parseCacheControl(cacheControl)
  if (directives.has('no-store')) return 'no-store'
  if (directives.has('private')) return 'private'
  if (directives.has('no-cache')) return 'no-cache'
  return undefined
}
