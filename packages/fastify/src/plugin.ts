import { Readable, Transform } from 'node:stream'
import { answerRange, askForWholeResponse, connectionClosed, isUnsafeMethod, outcomeReason, LarderOptionError, LARDER_CACHE_CONTROL, replayHeaders, show, OUTCOME_LABELS, type Cache, type CacheEntry, type Fill, type HeaderSink, type HeaderSource, type Outcome, type RequestInfo, type ResolvedRoute, type RouteOptions } from '@larder/core/adapter'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions as FastifyRouteOptions, onRequestHookHandler, onSendHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { warnAboutEarlierRoutes } from './placement.js'

export interface LarderPluginOptions {
  /** The cache from `createCache()`. */
  cache: Cache
  /** true (default): every GET/HEAD route is cached unless its config says `cache: false`; false: only routes whose config opts in. */
  global?: boolean
}

/** Per-route setting, read once when the route is registered. */
export type RouteCacheConfig = RouteOptions<FastifyRequest> | boolean

declare module 'fastify' {
  interface FastifyInstance {
    /** The cache larder was registered with. */
    larder: Cache
  }
  interface FastifyContextConfig {
    /** larder options for this route; `false` opts out, `true` opts in with the defaults. */
    cache?: RouteCacheConfig
  }
}

// Declared with decorateRequest, so every request object is created with it and setting it per
// request does not change the object's shape.
const FILL = Symbol('larder.fill')
type LarderRequest = FastifyRequest & { [FILL]?: Fill | null }

const REPLY_SINK: HeaderSink<FastifyReply> = {
  has: (reply, name) => reply.hasHeader(name),
  set: (reply, name, value) => void reply.header(name, value),
}

const REPLY_HEADERS: HeaderSource<FastifyReply> = {
  get: (reply, name) => reply.getHeader(name),
  all: (reply) => reply.getHeaders(),
}

const READS = new Set(['GET', 'HEAD'])

function infoOf(request: FastifyRequest): RequestInfo {
  return { method: request.method, url: request.url, headers: request.headers, host: request.host, protocol: request.protocol, raw: request }
}

function isStream(payload: unknown): payload is Readable {
  return payload !== null && typeof payload === 'object' && typeof (payload as Readable).pipe === 'function'
}

/** Copies a streamed payload into the fill as it flows to the client. */
function captureStream(source: Readable, fill: Fill, reply: FastifyReply): Readable {
  let ended = false
  const tee = new Transform({
    transform(chunk: Buffer | string, _enc, done) {
      fill.push(chunk)
      done(null, chunk)
    },
    flush(done) {
      ended = true
      // A source that stops when the client leaves ends like one that is complete.
      if (connectionClosed(reply.raw)) fill.abandon()
      else void fill.finish(reply.getHeaders())
      done()
    },
  })
  source.on('error', (err) => {
    fill.abandon()
    tee.destroy(err)
  })
  tee.on('close', () => {
    if (!ended) fill.abandon()
  })
  return source.pipe(tee)
}

/** A stored body as Fastify's payload: all of it, or the range a 206 answers with. */
function payloadOf(entry: CacheEntry, range?: { start: number; end: number }): Buffer | Readable {
  // Stores hand back Buffers; only a plain Uint8Array needs a Buffer view for Fastify.
  let body = Buffer.isBuffer(entry.body) ? entry.body : Buffer.from(entry.body.buffer, entry.body.byteOffset, entry.body.byteLength)
  if (range !== undefined) body = body.subarray(range.start, range.end + 1)
  // Fastify labels a Buffer application/octet-stream; a response that had no type must not gain one.
  return entry.headers['content-type'] === undefined && body.byteLength > 0 ? Readable.from([body]) : body
}

function appendHook<T>(existing: T | T[] | undefined, hook: T): T[] {
  if (existing === undefined) return [hook]
  return Array.isArray(existing) ? [...existing, hook] : [existing, hook]
}

function readHooks(cache: Cache, route: ResolvedRoute): { onRequest: onRequestHookHandler; onSend: onSendHookHandler } {
  const statusHeader = cache.config.statusHeader
  const reasonHeader = cache.config.reasonHeader
  const tagHeader = cache.config.tagHeader

  const apply = (request: LarderRequest, reply: FastifyReply, outcome: Outcome, info: RequestInfo): boolean => {
    if (outcome.kind === 'hit') {
      const entry = outcome.entry
      if (outcome.notModified) {
        void reply.code(304)
        replayHeaders(entry, Date.now(), REPLY_SINK, reply, statusHeader, outcome.label, true)
        void reply.send()
        return true
      }
      const range = info.headers.range
      const answer = range === undefined ? undefined : answerRange(entry, info.method, range, info.headers)
      if (answer?.status === 416) {
        // Only its Content-Range: the entry's headers describe a whole response this is not.
        void reply.code(416).header('content-range', answer.contentRange)
        if (statusHeader !== undefined) void reply.header(statusHeader, outcome.label)
        void reply.send()
        return true
      }
      void reply.code(answer === undefined ? entry.status : 206)
      replayHeaders(entry, Date.now(), REPLY_SINK, reply, statusHeader, outcome.label)
      if (answer !== undefined) void reply.header('content-range', answer.contentRange).header('content-length', String(answer.end - answer.start + 1))
      void reply.send(payloadOf(entry, answer))
      return true
    }
    if (outcome.kind === 'miss' || outcome.kind === 'bypass') {
      if (statusHeader !== undefined) void reply.header(statusHeader, OUTCOME_LABELS[outcome.kind])
      // A GET's miss gets its reason when its response is refused (onSend).
      const reason = reasonHeader === undefined ? undefined : outcomeReason(outcome)
      if (reason !== undefined) void reply.header(reasonHeader!, reason)
    }
    if (outcome.kind === 'miss' && outcome.fill !== undefined) {
      const fill = outcome.fill
      request[FILL] = fill
      // Hijacked replies and aborted requests never reach onSend: let waiters go.
      fill.abandonOnClose(reply.raw)
      if (outcome.wholeResponse) askForWholeResponse(info.headers, fill.validators)
    }
    return false
  }

  const onRequest: onRequestHookHandler = function (request, reply, done) {
    if (!READS.has(request.method)) return done()
    const info = infoOf(request)
    const outcome = cache.handle(info, route, request.log)
    if (outcome instanceof Promise) {
      outcome.then(
        (o) => {
          if (!apply(request, reply, o, info)) done()
        },
        (e: unknown) => done(e as Error),
      )
    } else if (!apply(request, reply, outcome, info)) done()
  }

  const onSend: onSendHookHandler<unknown> = function (request: LarderRequest, reply, payload, done) {
    const fill = request[FILL]
    if (fill == null) {
      removeOwnField(reply)
      removeTagHeader(reply, tagHeader)
      return done(null, payload)
    }
    request[FILL] = null
    const capturing = fill.startFrom(reply.statusCode, REPLY_HEADERS, reply)
    if (fill.mayCarryOwnField) removeOwnField(reply)
    removeTagHeader(reply, tagHeader)
    const reason = fill.reason
    if (reasonHeader !== undefined && reason !== undefined) void reply.header(reasonHeader, reason)
    const replacement = fill.replacement
    if (replacement !== undefined) {
      // The handler answered the revalidation with 304: the stored response goes out instead.
      void reply.code(replacement.notModified ? 304 : replacement.entry.status)
      replayHeaders(replacement.entry, Date.now(), REPLY_SINK, reply, statusHeader, OUTCOME_LABELS.revalidated, replacement.notModified)
      return done(null, replacement.notModified || request.method === 'HEAD' ? '' : payloadOf(replacement.entry))
    }
    if (!capturing) return done(null, payload)
    if (isStream(payload)) return done(null, captureStream(payload, fill, reply))
    if (typeof payload === 'string' || payload instanceof Uint8Array) {
      // The whole body, before the head goes out: the miss carries the ETag its hits will, and a
      // body too large to store is told in the reason header here too.
      const etag = fill.pushWhole(payload)
      if (etag !== undefined) void reply.header('etag', etag)
      if (reasonHeader !== undefined && fill.refusal !== undefined) void reply.header(reasonHeader, fill.refusal)
    }
    else if (payload != null) {
      // A web stream or a Response: its bytes (and a Response's own status and headers) reach
      // Fastify only after this hook, so what was captured here is not the response.
      fill.decline()
      return done(null, payload)
    }
    // A handler that waited for its client to leave and then replied with what it had.
    if (connectionClosed(reply.raw)) fill.abandon()
    // Fastify sets the Content-Length of this payload from the payload itself, whatever the reply
    // said, so the captured body is complete; the headers are the ones startFrom just read.
    else void fill.finish()
    done(null, payload)
  }

  return { onRequest, onSend }
}

/** larder's own targeted field is for larder alone: it never reaches the client. */
function removeOwnField(reply: FastifyReply): void {
  if (reply.hasHeader(LARDER_CACHE_CONTROL)) void reply.removeHeader(LARDER_CACHE_CONTROL)
}

/** The cache's tagHeader is for larder alone: it never reaches the client. */
function removeTagHeader(reply: FastifyReply, tagHeader: string | undefined): void {
  if (tagHeader !== undefined && reply.hasHeader(tagHeader)) void reply.removeHeader(tagHeader)
}

function mutationHook(cache: Cache, route: ResolvedRoute): onSendHookHandler<unknown> {
  return function (request, reply, payload, done) {
    if (!isUnsafeMethod(request.method)) return done(null, payload)
    removeTagHeader(reply, cache.config.tagHeader)
    const outcome = cache.handle(infoOf(request), route, request.log)
    const pending = outcome instanceof Promise || outcome.kind !== 'mutation' ? undefined : outcome.mutation.complete(reply.statusCode, reply.getHeaders())
    if (pending === undefined) return done(null, payload)
    pending.then(() => done(null, payload), done)
  }
}

async function larderPlugin(fastify: FastifyInstance, options: LarderPluginOptions): Promise<void> {
  const cache = options?.cache
  if (cache === null || typeof cache !== 'object' || typeof (cache as Partial<Cache>).handle !== 'function') {
    throw new LarderOptionError('cache', `plugin option "cache" must be a cache from createCache(), for example app.register(larderPlugin, { cache: createCache() }); got ${show(cache)}`)
  }
  for (const k of Object.keys(options)) {
    if (!['cache', 'global'].includes(k)) throw new LarderOptionError(k, `unknown plugin option "${k}"; valid options are cache, global (for example { cache, global: true })`)
  }
  if (options.global !== undefined && typeof options.global !== 'boolean') {
    throw new LarderOptionError('global', `plugin option "global" must be true or false (for example { cache, global: false }); got ${show(options.global)}`)
  }
  const global = options.global ?? true
  // A second larder inside the first one's context would put two caches on the same routes, each
  // storing and answering them. Fastify's own error would only name a decorator.
  if (fastify.hasDecorator('larder')) {
    throw new LarderOptionError(
      'cache',
      'the plugin is already registered for this context (here or in a parent). Register it once per app and set per-route options with config.cache; routes that need another cache belong in a sibling context, for example app.register(async (api) => { await api.register(larderPlugin, { cache: other }); api.get(...) })',
    )
  }
  warnAboutEarlierRoutes(fastify)
  fastify.decorate('larder', cache)
  fastify.decorateRequest(FILL, null)

  fastify.addHook('onRoute', (routeOptions: FastifyRouteOptions) => {
    const config = (routeOptions.config as { cache?: RouteCacheConfig } | undefined)?.cache
    const methods = ([] as string[]).concat(routeOptions.method)
    const where = `route ${methods.join(',')} ${routeOptions.url}`
    // Every route resolves its options at startup, so a bad one fails at registration, not at request time.
    // An opted-out route (cache: false) still gets the read hooks so its responses say BYPASS.
    const route = cache.route(config as RouteOptions | boolean | undefined, where)
    if (methods.some((m) => READS.has(m)) && (global || (config !== undefined && config !== false))) {
      const hooks = readHooks(cache, route)
      routeOptions.onRequest = appendHook(routeOptions.onRequest, hooks.onRequest)
      routeOptions.onSend = appendHook(routeOptions.onSend, hooks.onSend)
    }
    // Writes invalidate even with global: false; caching is opt-in, freshness is not. Any unsafe
    // method does, custom ones (addHttpMethod) included: RFC 9111 §4.4.
    if (route.enabled && methods.some(isUnsafeMethod)) routeOptions.onSend = appendHook(routeOptions.onSend, mutationHook(cache, route))
  })
}

/** The larder Fastify plugin (wrapped with fastify-plugin, so its hooks apply to the whole app). */
export default fp(larderPlugin, { fastify: '5.x', name: '@larder/fastify' })
