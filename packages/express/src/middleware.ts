import { ServerResponse } from 'node:http'
import { answerRange, askForWholeResponse, restoreRequest, LarderOptionError, outcomeReason, replayHeaders, show, OUTCOME_LABELS, type Cache, type CacheEntry, type HeaderSink, type BypassOutcome, type MissOutcome, type Outcome, type RangeAnswer, type RequestInfo, type RouteOptions } from '@larder/core/adapter'
import type { NextFunction, Request, Response } from 'express'
import { hookResponse } from './hook-response.js'
import { checkPlacement } from './placement.js'
import { RequestState, RESPONSE_SINK, stateOf } from './request-state.js'
import { leaveToRoute, tagLarder } from './route-options.js'
import { takeOver } from './takeover.js'

/**
 * Generic in the route's params so that, put before a handler (`app.get('/users/:id', larder(cache),
 * handler)`), it leaves the handler's `req.params` typed from the path; a plain `Request` parameter
 * would make Express infer its catch-all params for every handler of the route.
 */
export type LarderMiddleware = <P = Request['params']>(req: Request<P>, res: Response, next: NextFunction) => void

// Node's own methods, called directly on a response whose setHeader no middleware replaced:
// looking a method up on an Express response is a megamorphic lookup (see larderMiddleware), and
// a hit would otherwise make two per header. Each of Node's header methods reads the response's
// header table, another such lookup: the names already set are listed once, not asked per header.
const { getHeaderNames, hasHeader, setHeader } = ServerResponse.prototype
const NODE_SINK: HeaderSink<ServerResponse> = {
  has: (res, name) => hasHeader.call(res, name),
  set: (res, name, value) => void setHeader.call(res, name, value),
  names: (res) => getHeaderNames.call(res),
}

// The host as the handler sees it, port included, as Express 5's req.host gives it. Without
// X-Forwarded-Host it is the Host header whatever trust proxy says: read directly, it skips the
// getter's trust-proxy work on every request. Express 4 has no getter for it: its
// hostname drops the port (so `127.0.0.1:1@evil.example` would share a key with `127.0.0.1:80`,
// though handlers see the Host header whole) and its req.host is a deprecated alias of hostname,
// whose deprecation check captures a stack trace on every call. Express 4 apps (told apart by
// app.del, which Express 5 removed) get Express 5's rule instead; each app is asked once.
const LEGACY = new WeakMap<object, boolean>()

function isLegacy(app: object): boolean {
  let legacy = LEGACY.get(app)
  if (legacy === undefined) {
    legacy = typeof (app as { del?: unknown }).del === 'function'
    LEGACY.set(app, legacy)
  }
  return legacy
}

function hostOf(req: Request, app: object | undefined, headers: Request['headers']): string | undefined {
  const forwarded = headers['x-forwarded-host']
  if (!forwarded) return headers.host || undefined
  if (app === undefined) return req.hostname
  if (!isLegacy(app)) return (req as { host?: string }).host ?? req.hostname
  return legacyForwardedHost(req, app, forwarded, headers)
}

type TrustFunction = (address: string | undefined, hop: number) => boolean

/** Express 5's req.host, on Express 4, for a request that carries X-Forwarded-Host. */
function legacyForwardedHost(req: Request, app: object, forwarded: string | string[], headers: Request['headers']): string | undefined {
  const trust = (app as { get(setting: string): TrustFunction | undefined }).get('trust proxy fn')
  if (trust === undefined || !trust(req.socket?.remoteAddress, 0)) return headers.host || undefined
  const value = Array.isArray(forwarded) ? forwarded.join(', ') : forwarded
  const comma = value.indexOf(',')
  return (comma === -1 ? value : value.slice(0, comma).trimEnd()) || undefined
}

/**
 * req.protocol. Without X-Forwarded-Proto it is the connection's scheme whatever trust proxy says:
 * read from the socket, it skips the getter's trust-proxy check on every request.
 */
function protocolOf(req: Request, headers: Request['headers']): string {
  if (headers['x-forwarded-proto'] === undefined) return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http'
  return req.protocol
}

type App = { response?: object } | undefined

/**
 * req.app, read from the app's request prototype, where Express keeps it: the prototype's shape is
 * the same on every request, so this read hits V8's inline cache where req.app would not.
 */
function appOf(req: Request): App {
  return (Object.getPrototypeOf(req) as { app?: App } | null)?.app
}

function serveHit(method: string, headers: Request['headers'], res: ServerResponse, entry: CacheEntry, notModified: boolean, statusHeader: string | undefined, label: string): void {
  const range = headers.range
  if (range !== undefined && !notModified) {
    const answer = answerRange(entry, method, range, headers)
    if (answer !== undefined) return serveRange(res, entry, answer, statusHeader, label)
  }
  const status = notModified ? 304 : entry.status
  // A store to an Express response misses V8's inline cache and costs far more than a load
  // (bench/README.md), and the status is nearly always 200 already.
  if (res.statusCode !== status) res.statusCode = status
  // A middleware that watches or rewrites headers replaces setHeader; it then sees every one.
  const sink = res.setHeader === setHeader ? NODE_SINK : RESPONSE_SINK
  replayHeaders(entry, Date.now(), sink, res, statusHeader, label, notModified)
  if (notModified || method === 'HEAD') res.end()
  else res.end(entry.body)
}

/** A Range answered from the entry: the 206's headers are the entry's; a 416 carries only its Content-Range. */
function serveRange(res: ServerResponse, entry: CacheEntry, answer: RangeAnswer, statusHeader: string | undefined, label: string): void {
  res.statusCode = answer.status
  if (answer.status === 206) replayHeaders(entry, Date.now(), RESPONSE_SINK, res, statusHeader, label)
  else if (statusHeader !== undefined) res.setHeader(statusHeader, label)
  res.setHeader('content-range', answer.contentRange)
  if (answer.status === 206) {
    res.setHeader('content-length', String(answer.end - answer.start + 1))
    res.end(entry.body.subarray(answer.start, answer.end + 1))
  } else {
    res.setHeader('content-length', '0')
    res.end()
  }
}

/** The reason header of a bypass or of a HEAD's miss (a GET's miss gets it when its response is refused). */
function explain(res: ServerResponse, name: string, outcome: MissOutcome | BypassOutcome): void {
  const reason = outcomeReason(outcome)
  if (reason !== undefined) res.setHeader(name, reason)
  // A route's larder took a global larder's bypass over with a miss.
  else res.removeHeader(name)
}

/**
 * larder as Express middleware. `app.use(larder(cache))` caches every GET/HEAD and lets every
 * mutation invalidate; on a route, `larder(cache, options)` applies that route's options (and takes
 * over from a global larder for that request, so the request is cached once). `larder(cache, false)`
 * opts a route out.
 */
export function larder<R extends Request = Request>(cache: Cache, options?: RouteOptions<R> | boolean): LarderMiddleware {
  if (cache === null || typeof cache !== 'object' || typeof (cache as Partial<Cache>).handle !== 'function') {
    throw new LarderOptionError('cache', `the first argument of larder() must be a cache from createCache(), for example larder(createCache({ ttl: '5m' })); got ${show(cache)}`)
  }
  const route = cache.route(options as RouteOptions | boolean | undefined, 'larder()')
  const statusHeader = cache.config.statusHeader
  const reasonHeader = cache.config.reasonHeader

  type Locals = Record<PropertyKey, unknown> | undefined
  const apply = (method: string, headers: Request['headers'], res: Response, next: NextFunction, outcome: Outcome, previous: RequestState | undefined, app: App, locals: Locals): void => {
    switch (outcome.kind) {
      case 'hit':
        serveHit(method, headers, res, outcome.entry, outcome.notModified, statusHeader, outcome.label)
        return
      case 'pass':
        next()
        return
      case 'miss':
      case 'bypass':
        if (statusHeader !== undefined) res.setHeader(statusHeader, OUTCOME_LABELS[outcome.kind])
        if (reasonHeader !== undefined) explain(res, reasonHeader, outcome)
        break
    }
    let state = previous
    if (state !== undefined) {
      state.outcome = outcome
      // An earlier larder's miss asked for the whole response; this one may not.
      if (state.asked !== undefined) restoreRequest(headers, state.asked)
      state.asked = undefined
    } else hookResponse(app, res, (state = new RequestState(outcome, cache.config.tagHeader)), cache, locals)
    if (outcome.kind === 'miss') {
      outcome.fill?.abandonOnClose(res)
      if (outcome.wholeResponse) state.asked = askForWholeResponse(headers, outcome.fill?.validators)
    }
    next()
  }

  let placementChecked: object | undefined
  const larderMiddleware = function larderMiddleware(req: Request, res: Response, next: NextFunction): void {
    // Each property of an Express request or response is read once: Express gives the objects of
    // every request new shapes, so each read is a megamorphic lookup that often misses V8's stub
    // cache, more than most of what larder does (bench/README.md).
    const locals = res.locals as Locals
    const app = appOf(req)
    const headers = req.headers
    if (app !== placementChecked) {
      placementChecked = app
      checkPlacement(app, larderMiddleware)
    }
    const previous = stateOf(res, locals)
    const method = req.method
    // The first larder to see a request leaves it to a larder after routing that would treat its
    // client directive or credentials otherwise.
    if (previous === undefined && leaveToRoute(req, app, method, headers, route)) {
      next()
      return
    }
    // The host and scheme as the handler sees them: keys include them, and a mutation's Location is
    // same-origin by the host.
    const info: RequestInfo = { method, url: req.originalUrl, headers, host: hostOf(req, app, headers), protocol: protocolOf(req, headers), raw: req }
    const outcome = previous === undefined ? cache.handle(info, route) : takeOver(cache, info, route, previous.outcome)
    if (outcome instanceof Promise) outcome.then((o) => apply(method, headers, res, next, o, previous, app, locals), next)
    else apply(method, headers, res, next, outcome, previous, app, locals)
  }
  tagLarder(larderMiddleware, route)
  return larderMiddleware as LarderMiddleware
}
