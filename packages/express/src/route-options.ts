import { requestDirectives, type RequestHeaders, type ResolvedRoute } from '@larder/core/adapter'

/**
 * Which larder options a request will meet once Express has routed it, for a larder that runs
 * before routing (`app.use(larder(cache))`). A global larder answers hits before routing, by its
 * own options; for most options that is harmless, since a route's own larder takes over a miss or a
 * bypass. Not for options that decide how the request's own headers count:
 * - clientCacheControl: a global larder would answer `Cache-Control: no-cache` from the cache for a
 *   route whose larder honours it, or refresh on a route whose larder does not;
 * - allowCookies on the global larder: it would serve a request carrying a cookie an entry that a
 *   route saying cookies matter would not give it. (allowAuthorized needs a key with the caller,
 *   so an entry the global larder finds is that caller's own.)
 * Express keeps its routing in its router's layers; they are walked as Express walks them, only
 * for a request carrying such a header once larders disagree on the option.
 */

/** Where each larder middleware keeps its resolved options, for a larder before it to find. */
const OPTIONS = Symbol('larder.options')

type Tagged = { [OPTIONS]?: ResolvedRoute }

// What the larders created so far say. Until one honours client directives and another does not,
// or one ignores cookies that another keeps apart, no request needs to know its route.
let honouring = false
let ignoring = false
let cookiesApart = false

/** Marks a larder middleware with its options. */
export function tagLarder(middleware: object, route: ResolvedRoute): void {
  ;(middleware as Tagged)[OPTIONS] = route
  if (route.clientCacheControl) honouring = true
  else ignoring = true
  if (!route.allowCookies) cookiesApart = true
}

/** The options of a larder middleware, or undefined for any other handler. */
export function larderOptions(handle: unknown): ResolvedRoute | undefined {
  return typeof handle === 'function' ? (handle as Tagged)[OPTIONS] : undefined
}

/**
 * Whether the first larder to see a request should leave it to the larder whose options apply to
 * it (the last on its way to the handler), because that one treats the request's directive or
 * cookie otherwise. A global larder that keeps cookies apart need not: what it refuses such a
 * request, the route's larder looks up again by its own options. When the route cannot be
 * told (a sub-app, an unfamiliar router), the request stays with this larder, which then follows
 * its own options: a clientCacheControl route may then serve a hit where the client asked for a
 * fresh copy, which is what a shared cache may do; clients can never force origin hits on routes
 * that do not honour their directives.
 */
export function leaveToRoute(req: RequestLike, app: object | undefined, method: string, headers: RequestHeaders, own: ResolvedRoute): boolean {
  const directives = honouring && ignoring
  if (!directives && !own.allowCookies) return false
  if ((method !== 'GET' && method !== 'HEAD') || app === undefined) return false
  const directive = directives && requestDirectives(headers) !== undefined
  const cookie = own.allowCookies && cookiesApart && headers['cookie'] !== undefined
  if (!directive && !cookie) return false
  const target = optionsFor(req, app, method)
  if (target === undefined) return false
  return (directive && target.clientCacheControl !== own.clientCacheControl) || (cookie && !target.allowCookies)
}

interface RequestLike {
  url: string
  baseUrl: string
}

interface Layer {
  route?: Route
  handle?: unknown
  method?: string
  params?: unknown
  path?: unknown
  match(path: string): unknown
}

interface Route {
  stack: readonly Layer[]
  methods?: Record<string, boolean>
  /** Express 5 (router 2). */
  _handlesMethod?(method: string): boolean
  /** Express 4. */
  _handles_method?(method: string): boolean
}

type Router = { stack: readonly Layer[] }
type App = { _router?: Router; router?: Router; path?: () => string }

/** The options of the last larder a request passes on its way to its route, or undefined if unknown. */
function optionsFor(req: RequestLike, app: object, method: string): ResolvedRoute | undefined {
  const a = app as App
  // Routing starts from the app's router only where this larder sits in it: the request's base URL
  // is then the app's own mount path ('' for the top app), and its URL is what Express routes on.
  let router: Router | undefined
  try {
    if (typeof a.path !== 'function' || req.baseUrl !== a.path()) return undefined
    // Express 4 keeps its router in app._router (its app.router throws); Express 5 in app.router.
    router = a._router ?? a.router
  } catch {
    return undefined
  }
  if (router === undefined || !Array.isArray(router.stack)) return undefined
  const query = req.url.indexOf('?')
  const path = query === -1 ? req.url : req.url.slice(0, query)
  return walk(router.stack, path, method, undefined, 0).options
}

const MAX_DEPTH = 32

/**
 * Express's routing, dry: middleware layers whose path matches are passed (a larder among them
 * takes over the request), routers mounted on a matching path are entered with that prefix
 * removed, and the first route matching the path and method ends the walk with its last larder.
 */
function walk(stack: readonly Layer[], path: string, method: string, found: ResolvedRoute | undefined, depth: number): { options: ResolvedRoute | undefined; ended: boolean } {
  let options = found
  for (const layer of stack) {
    const matched = matchedPath(layer, path)
    if (matched === undefined) continue
    const route = layer.route
    if (route !== undefined) {
      // A route without the method passes the request on, as Express does.
      if (!handlesMethod(route, method)) continue
      return { options: lastLarder(route, method) ?? options, ended: true }
    }
    const handle = layer.handle as (Tagged & { stack?: unknown }) | undefined
    const tagged = handle?.[OPTIONS]
    if (tagged !== undefined) options = tagged
    else if (handle !== undefined && Array.isArray(handle.stack) && depth < MAX_DEPTH) {
      const rest = withoutPrefix(path, matched)
      if (rest === undefined) continue
      const inner = walk(handle.stack as Layer[], rest, method, options, depth + 1)
      if (inner.ended) return inner
      options = inner.options
    }
  }
  return { options, ended: false }
}

/** The part of `path` a layer matched, or undefined if it does not match. */
function matchedPath(layer: Layer, path: string): string | undefined {
  if (typeof layer.match !== 'function') return undefined
  const { params, path: before } = layer
  let m: unknown
  try {
    m = layer.match(path)
  } catch {
    return undefined
  }
  // Express 5's router answers the match; Express 4's records it on the layer, where its own
  // routing reads it: that is put back as it was.
  if (typeof m === 'boolean') {
    const matched = layer.path
    layer.params = params
    layer.path = before
    return m ? (typeof matched === 'string' ? matched : '') : undefined
  }
  if (m === null || typeof m !== 'object') return undefined
  const matched = (m as { path?: unknown }).path
  return typeof matched === 'string' ? matched : ''
}

/** What a mounted router sees of `path` (Express's trimPrefix), or undefined if the prefix does not end on a segment. */
function withoutPrefix(path: string, prefix: string): string | undefined {
  if (prefix.length === 0) return path
  if (!path.startsWith(prefix)) return undefined
  const next = path[prefix.length]
  if (next !== undefined && next !== '/') return undefined
  const rest = path.slice(prefix.length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

function handlesMethod(route: Route, method: string): boolean {
  try {
    if (typeof route._handlesMethod === 'function') return route._handlesMethod(method)
    if (typeof route._handles_method === 'function') return route._handles_method(method)
  } catch {
    // An unfamiliar route: taken as not this request's.
  }
  return false
}

/** The options of the last larder among a route's handlers for this method (each takes over from the one before). */
function lastLarder(route: Route, method: string): ResolvedRoute | undefined {
  let m = method.toLowerCase()
  // A HEAD runs a route's GET handlers unless it has HEAD handlers of its own.
  if (m === 'head' && route.methods?.['head'] !== true) m = 'get'
  let options: ResolvedRoute | undefined
  for (const layer of Array.isArray(route.stack) ? route.stack : []) {
    if (layer.method !== undefined && layer.method !== m) continue
    const tagged = (layer.handle as Tagged | undefined)?.[OPTIONS]
    if (tagged !== undefined) options = tagged
  }
  return options
}
