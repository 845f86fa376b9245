import { deltaSeconds, headerTokens, parseCacheControl } from './headers.js'
import type { ResolvedRoute } from './options.js'
import type { RequestHeaders, ResponseHeaders } from './types.js'

/**
 * Why a GET/HEAD request skips the cache entirely, or undefined when it may be served from it.
 * A request with a body or a method override is not a plain read: a framework may route it as
 * something else, so it neither reads nor fills an entry (fat GET / method-override poisoning).
 */
export function requestBypassReason(headers: RequestHeaders, route: ResolvedRoute): string | undefined {
  if (headers['authorization'] !== undefined && !route.allowAuthorized) return 'authorization'
  const length = headers['content-length']
  if ((length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined) return 'request-body'
  if (headers['x-http-method-override'] !== undefined || headers['x-http-method'] !== undefined || headers['x-method-override'] !== undefined) {
    return 'method-override'
  }
  return undefined
}

export type StoreDecision = { store: true; ttlMs: number } | { store: false; reason: string }

/**
 * Whether a response may be stored, and for how long. Freshness: s-maxage, then max-age, then the
 * route's ttl. Never stored: other statuses, no-store, private, no-cache (it demands revalidation,
 * which a replay cannot do), Set-Cookie, Vary: * or on a header the key does not include, and a
 * Content-Length above the body limit.
 */
export function responseDecision(status: number, headers: ResponseHeaders, route: ResolvedRoute): StoreDecision {
  if (!route.statuses.has(status)) return { store: false, reason: 'status' }
  const veto = headerVeto(headers)
  if (veto) return { store: false, reason: veto }
  for (const name of headerTokens(headers['vary'])) {
    if (name === '*' || !route.keyedHeaders.has(name)) return { store: false, reason: 'vary' }
  }
  const length = Number(headers['content-length'])
  if (length > route.maxBodyBytes) return { store: false, reason: 'too-large' }
  let ttlMs = route.ttlMs
  if (route.respectCacheControl) {
    const cc = parseCacheControl(headers['cache-control'])
    const seconds = deltaSeconds(cc, 's-maxage') ?? deltaSeconds(cc, 'max-age')
    if (seconds !== undefined) {
      if (seconds === 0) return { store: false, reason: 'max-age=0' }
      ttlMs = seconds * 1000
    }
  }
  return { store: true, ttlMs }
}

/**
 * The checks that must also hold on the headers as finally sent: middleware that runs when headers
 * are written (sessions adding Set-Cookie, say) can change them after the handler's view was taken.
 */
export function headerVeto(headers: ResponseHeaders): string | undefined {
  if (headers['set-cookie'] !== undefined) return 'set-cookie'
  const cc = headers['cache-control']
  if (cc === undefined) return undefined
  const directives = parseCacheControl(cc)
  if (directives.has('no-store')) return 'no-store'
  if (directives.has('private')) return 'private'
  if (directives.has('no-cache')) return 'no-cache'
  return undefined
}
