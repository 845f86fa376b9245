import { acceptsContentEncoding } from './accept-encoding.js'
import { bodyEtag, isNotModified, sameValidator } from './conditional.js'
import { LARDER_CACHE_CONTROL, storableHeaders } from './headers.js'
import { ENTRY_TAGS, entryTags, handlerTags } from './handler-tags.js'
import { isPromise } from './deadline.js'
import { tagsFor, type ResolvedRoute } from './options.js'
import { credentialsOf, directivesOf, headerVeto, PLAIN_HEADERS, responseDecision, type Credentials, type Directives } from './policy.js'
import { variantKey } from './key.js'
import type { Flight, Shared } from './single-flight.js'
import type { StoreGateway } from './store-gateway.js'
import { logReason } from './reasons.js'
import { varyPointer } from './vary.js'
import type { CacheEntry, HeaderSource, HeaderValue, Logger, RequestHeaders, RequestInfo, ResponseHeaders } from './types.js'

type FillState = 'waiting-for-head' | 'capturing' | 'done'

/** What an adapter sends instead of the handler's 304 to a revalidation (see `Fill.replacement`). */
export interface Replacement {
  readonly entry: CacheEntry
  /** The client's own conditions match the entry: send it as a 304 without body. */
  readonly notModified: boolean
}

function hasValidator(headers: ResponseHeaders): boolean {
  return headers['etag'] !== undefined || headers['last-modified'] !== undefined
}

/**
 * Whether a body of `bytes` is all that its Content-Length declared. No declared length (chunked)
 * leaves completeness to the connection; a 204 has no body and a 304's length is the selected
 * representation's, so neither declares the captured one. Exact decimal only: a length that
 * clients would read differently (several values, leading zeros) is not a match.
 */
function declaredLengthMatches(status: number, declared: ResponseHeaders[string], bytes: number): boolean {
  if (declared === undefined || status === 204 || status === 304) return true
  if (typeof declared === 'number') return declared === bytes
  return typeof declared === 'string' && declared.trim() === String(bytes)
}

// Most fills of an uncacheable route are refused at start: they share these until they capture.
// Frozen, so a push outside capturing would throw instead of leaking into every other fill.
const NO_CHUNKS = Object.freeze([]) as unknown as Uint8Array[]
const NO_VARY: readonly string[] = Object.freeze([])
const NO_HEADERS: ResponseHeaders = Object.freeze({})

/** The request a fill captures the response of, as the lookup knows it. */
export interface FillRequest {
  readonly key: string
  readonly route: ResolvedRoute
  readonly info: RequestInfo
  readonly logger: Logger | undefined
  /** The request's credentials: only a response shareable with them may be stored. */
  readonly credentials: Credentials
  /** The stale entry the handler is asked to revalidate, if any. */
  readonly stale: CacheEntry | undefined
}

/**
 * The capture of one miss's response, from its status line to the store. An adapter calls
 * `start` when the status and headers are known, `push` for every body chunk as it passes to the
 * client (capture never delays streaming), then `finish` or, if the response never completed,
 * `abandon`. The entry is written only if the response is storable, fits `maxBodyBytes`, and no
 * invalidation touched it since its `fence` was taken (checked by the store, atomically). Created by
 * `Cache.handle` for a miss; adapters use it as a type.
 */
export class Fill {
  readonly key: string
  private state: FillState = 'waiting-for-head'
  private chunks = NO_CHUNKS
  private bytes = 0
  private status = 0
  private lifetimeMs = 0
  private initialAgeMs = 0
  private staleReason: string | undefined = undefined
  private replacedWith: Replacement | undefined = undefined
  /** The directives `start` read (see responseDecision's `seen`). */
  control: Directives | undefined = undefined
  /** When the request reached the cache: the response's age counts from it (RFC 9111 §4.2.3). */
  private readonly requestTime = Date.now()
  private readonly stale: CacheEntry | undefined
  /** The client's own conditions, kept before the adapter replaces them with the stale entry's validators. */
  private readonly clientConditions: RequestHeaders | undefined
  private vary = NO_VARY
  private headers = NO_HEADERS
  private watchingClose = false
  /** When the head was taken: the Date of a response whose handler set none (Node stamps one as it writes the head). */
  private startedAt = 0
  /** The ETag given out by `pushWhole`, and the captured body it is the hash of. */
  private wholeEtag: string | undefined = undefined
  private wholeBody: Uint8Array | undefined = undefined
  private refusedFor: string | undefined = undefined
  private route: ResolvedRoute
  private credentials: Credentials
  private readonly info: RequestInfo
  private readonly logger: Logger | undefined

  /** @internal */
  constructor(
    private readonly gateway: StoreGateway,
    request: FillRequest,
    /** The index path the entry is stored under (see indexPath). */
    readonly path: string,
    /** Where the store's invalidation order stood before the handler ran (Store.mark). */
    private readonly fence: number,
    private readonly flight: Flight | undefined,
  ) {
    this.key = request.key
    this.route = request.route
    this.credentials = request.credentials
    this.info = request.info
    this.logger = request.logger
    this.stale = request.stale
    if (request.stale !== undefined) {
      const h = request.info.headers
      this.clientConditions = { 'if-none-match': h['if-none-match'], 'if-modified-since': h['if-modified-since'] }
    }
  }

  /**
   * The request revalidates a stale entry: these are the conditions its handler is asked with
   * (`If-None-Match`, `If-Modified-Since` from the entry), for `askForWholeResponse`.
   */
  get validators(): RequestHeaders | undefined {
    return this.stale === undefined ? undefined : validatorsOf(this.stale)
  }

  /**
   * Set when the handler answered a revalidation with 304 (RFC 9111 §4.3.4): the stored response,
   * its headers updated from the 304, which the adapter sends in place of the 304 (labelled
   * REVALIDATED). The entry is stored again with its renewed lifetime.
   */
  get replacement(): Replacement | undefined {
    return this.replacedWith
  }

  /**
   * Abandons the fill if `response` closes before the fill is done (client gone, stream destroyed,
   * reply hijacked), so requests waiting on it are released at once rather than at lockTimeout.
   * Only a fill others may wait on listens: a listener adds to every response it is put on
   * (bench/README.md), and without waiters there is nobody to release early (whether the
   * connection closed before the response ended is asked when it ends, see `connectionClosed`).
   * Idempotent, for adapters that see a request more than once.
   */
  abandonOnClose(response: { once(event: 'close', listener: () => void): unknown }): void {
    if (this.flight === undefined || this.watchingClose) return
    this.watchingClose = true
    response.once('close', () => this.abandon())
  }

  /**
   * Why the response will not serve hits, once that is known, for the adapter's reason header: why
   * it is not stored (`no-store`, `status`, `too-large`, …) or why it is stored stale, only to be
   * revalidated (`no-cache`, `max-age=0`, `expired`, `stale`); undefined while it may still serve.
   */
  get refusal(): string | undefined {
    return this.refusedFor
  }

  /**
   * What the reason header says once `start` has seen the head: `refusal`, or 'not-stored' for a
   * response not captured for a reason not yet named; undefined for one stored fresh.
   */
  get reason(): string | undefined {
    if (this.refusedFor !== undefined || this.state === 'capturing' || this.replacedWith !== undefined) return this.refusedFor
    return 'not-stored'
  }

  /**
   * After `start`: whether the response may carry larder's own field (LARDER_CACHE_CONTROL), which
   * the adapter removes before the head goes out. False only when `start` read the headers and found
   * none, so an adapter asks the response itself only when it must.
   */
  get mayCarryOwnField(): boolean {
    return this.control === undefined || this.control.ownField
  }

  /** The `statusHeader` option, for the adapter to label a `replacement` REVALIDATED. */
  get statusHeader(): string | undefined {
    return this.gateway.config.statusHeader
  }

  /** The `reasonHeader` option: where the adapter puts `refusal` when it can still add headers. */
  get reasonHeader(): string | undefined {
    return this.gateway.config.reasonHeader
  }

  /** Status and headers were accepted and the body is being copied: only then does `finish` need the final headers. */
  get capturing(): boolean {
    return this.state === 'capturing'
  }

  /**
   * For an adapter that may see one request in two larders of the same cache (Express: a global
   * one, then the route's): the later one takes the miss over, for the same key, with its own
   * options. Only before the response's head is known; afterwards the options already applied.
   */
  retarget(route: ResolvedRoute): void {
    if (this.state !== 'waiting-for-head') return
    this.route = route
    // Whether the request's cookie or Authorization count is the route's to say (allowCookies,
    // allowAuthorized), not the options of the larder that began the fill.
    this.credentials = credentialsOf(this.info.headers, route)
  }

  /** Status and headers as the handler set them. Returns whether the body is worth capturing. */
  start(status: number, headers: ResponseHeaders): boolean {
    return this.startFrom(status, PLAIN_HEADERS, headers)
  }

  /** `start`, reading the headers from `response` through `source`: they are copied only if the response will be stored. */
  startFrom<T>(status: number, source: HeaderSource<T>, response: T): boolean {
    if (this.state !== 'waiting-for-head') return this.state === 'capturing'
    if (status === 304 && this.stale !== undefined) {
      this.refresh(this.stale, source.all(response))
      return false
    }
    const decision = responseDecision(status, source, response, this.route, this.credentials, this.requestTime, Date.now(), this)
    if (!decision.store) {
      this.refuse(decision.reason)
      // A refusal for credentials says nothing about other callers; a 5xx is transient.
      if (decision.reason === 'credentials') this.endLookAgain()
      else this.endRunOwn(status < 500)
      return false
    }
    this.state = 'capturing'
    this.startedAt = Date.now()
    this.chunks = []
    this.status = status
    this.lifetimeMs = decision.lifetimeMs
    this.initialAgeMs = decision.initialAgeMs
    this.vary = decision.vary
    this.headers = source.all(response)
    if (decision.staleReason !== undefined) this.storeStale(decision.staleReason)
    return true
  }

  /**
   * The handler answered a revalidation with 304: the stale entry's headers are updated from it
   * (RFC 9111 §4.3.4; Content-Length and the headers never stored excepted) and its lifetime
   * computed afresh from them. A 304 whose strong ETag is not the entry's validates some other
   * response: the entry is served as it is, and not stored again.
   */
  private refresh(stale: CacheEntry, notModified: ResponseHeaders): void {
    this.state = 'done'
    const update = storableHeaders(notModified, this.gateway.config.statusHeader)
    // A 304 that names no tags leaves the entry's; one that names some replaces them.
    const tagHeader = this.gateway.config.tagHeader
    if (tagHeader !== undefined && update[tagHeader] === undefined) delete update[ENTRY_TAGS]
    else if (!this.takeHandlerTags(update)) {
      this.replacedWith = { entry: stale, notModified: isNotModified(stale, this.clientConditions!) }
      return
    }
    if (!sameValidator(stale.headers['etag'], update['etag'])) {
      this.refuse('validator-mismatch')
      this.replacedWith = { entry: stale, notModified: isNotModified(stale, this.clientConditions!) }
      this.flight?.runOwn()
      return
    }
    const headers: Record<string, HeaderValue> = { ...stale.headers, ...update }
    const now = Date.now()
    // The stored Date is replayed on hits: it becomes this response's, as for any fill.
    if (update['date'] === undefined) headers['date'] = new Date(now).toUTCString()
    // Its age is the 304's own (RFC 9111 §4.2.3): the stored response's Date and Age are history.
    const aged = { ...headers, age: notModified['age'], date: notModified['date'] }
    const decision = responseDecision(stale.status, PLAIN_HEADERS, aged, this.route, this.credentials, this.requestTime, now)
    const entry: CacheEntry = { status: stale.status, headers, body: stale.body, storedAt: now, freshUntil: now, expiresAt: now }
    this.gateway.counters.revalidated++
    this.replacedWith = { entry, notModified: isNotModified(entry, this.clientConditions!) }
    if (!decision.store) {
      this.refuse(decision.reason)
      this.endRunOwn(true)
      return
    }
    this.status = stale.status
    this.lifetimeMs = decision.lifetimeMs
    this.initialAgeMs = decision.initialAgeMs
    this.vary = decision.vary
    if (decision.staleReason !== undefined) this.storeStale(decision.staleReason)
    this.setTimes(entry, now)
    void this.write(entry, now)
  }

  /** The response is stale on arrival: stored only to be revalidated, and the reason header says why. */
  private storeStale(reason: string): void {
    this.staleReason = reason
    this.refusedFor = reason
    logReason(this.logger, 'stored stale', reason, this.info)
  }

  push(chunk: string | Uint8Array, encoding?: BufferEncoding): void {
    this.capture(chunk, encoding)
  }

  /**
   * `push` for a body the adapter knows is the response's whole body, before the response's head
   * goes out (Fastify's string and Buffer payloads, Express's `end(body)` with nothing written
   * before). Returns the ETag the adapter sets on the response, if the entry will get one larder
   * generates: the miss then carries the validator its hits will, so a client can revalidate what
   * it got from the miss. Undefined when the handler set a validator, or the body is not stored.
   */
  pushWhole(chunk: string | Uint8Array, encoding?: BufferEncoding): string | undefined {
    const whole = this.bytes === 0
    const bytes = this.capture(chunk, encoding)
    if (!whole || bytes === undefined || this.state !== 'capturing' || hasValidator(this.headers)) return undefined
    this.wholeBody = bytes
    this.wholeEtag = bodyEtag(bytes)
    return this.wholeEtag
  }

  /** The bytes captured, if any. */
  private capture(chunk: string | Uint8Array, encoding: BufferEncoding | undefined): Uint8Array | undefined {
    if (this.state !== 'capturing') return undefined
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : chunk
    if (bytes.byteLength === 0) return undefined
    this.bytes += bytes.byteLength
    if (this.bytes > this.route.maxBodyBytes) {
      this.refuse('too-large')
      this.endRunOwn(true)
      return undefined
    }
    this.chunks.push(bytes)
    return bytes
  }

  /**
   * The response ended while its connection was open (otherwise the adapter calls `abandon`).
   * `finalHeaders` are the headers as actually sent, re-checked because middleware may add
   * Set-Cookie or Cache-Control while headers are written, and holding the Content-Length the
   * captured body must match; an adapter whose framework sizes the body itself from what was
   * captured passes none. Resolves to whether the entry was stored; never rejects.
   */
  async finish(finalHeaders?: ResponseHeaders): Promise<boolean> {
    if (this.state !== 'capturing') {
      this.endRunOwn()
      return false
    }
    this.state = 'done'
    // larder's own field is gone from what was sent (the adapter removed it): it still decides.
    const own = this.headers[LARDER_CACHE_CONTROL]
    if (finalHeaders !== undefined && own !== undefined && finalHeaders[LARDER_CACHE_CONTROL] === undefined) finalHeaders = { ...finalHeaders, [LARDER_CACHE_CONTROL]: own }
    const veto = finalHeaders && headerVeto(finalHeaders, this.route, this.status)
    if (veto) {
      this.refuse(veto)
      this.endRunOwn(true)
      return false
    }
    // A body that is not the length its response declared was cut short (a handler that stopped
    // when its client left, an upstream that failed mid-body) or miscounted: replayed, it would be a
    // broken response for everyone. It says nothing about the key's next response.
    if (finalHeaders !== undefined && !declaredLengthMatches(this.status, finalHeaders['content-length'], this.bytes)) {
      this.refuse('length-mismatch')
      this.endLookAgain()
      return false
    }
    // Middleware may add no-cache while headers are written: the entry is then stale at once.
    if (finalHeaders !== undefined && this.staleReason === undefined && directivesOf(PLAIN_HEADERS, finalHeaders, this.route).directives.has('no-cache')) {
      if (this.route.keepStaleMs === 0) {
        this.refuse('no-cache')
        this.endRunOwn(true)
        return false
      }
      this.storeStale('no-cache')
    }
    const now = Date.now()
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes)
    this.chunks = NO_CHUNKS
    const headers = storableHeaders(this.headers, this.gateway.config.statusHeader)
    if (!this.takeHandlerTags(headers)) return false
    // A compressor that reads Accept-Encoding more loosely than the RFC (negotiator takes `gzip;Q=0`
    // as wanting gzip) coded this for a client that said it cannot take it: no one asking the same
    // way could be served it. Others waiting may ask otherwise; they look again.
    const coding = headers['content-encoding']
    if (coding !== undefined && !acceptsContentEncoding(this.info.headers['accept-encoding'], coding)) {
      this.refuse('content-encoding')
      this.endLookAgain()
      return false
    }
    // Every entry gets a validator, so conditional requests can be answered with 304: the one its
    // miss was sent with when the body was known in time (pushWhole), and the same hash otherwise.
    if (!hasValidator(headers)) headers['etag'] = body === this.wholeBody ? this.wholeEtag! : bodyEtag(body)
    // A hit carries the stored response's Date (see NOT_STORED); Node gave this one its own as it wrote the head.
    if (headers['date'] === undefined) headers['date'] = new Date(this.startedAt).toUTCString()
    const entry: CacheEntry = { status: this.status, headers, body, storedAt: now, freshUntil: now, expiresAt: now }
    this.setTimes(entry, now)
    return this.write(entry, now)
  }

  /**
   * Moves the tags the handler named in the `tagHeader` to where the entry keeps them (ENTRY_TAGS),
   * so the header is never replayed. False, after reporting it, when there are more than an entry
   * may carry: the response is then not stored.
   */
  private takeHandlerTags(headers: Record<string, HeaderValue>): boolean {
    const header = this.gateway.config.tagHeader
    delete headers[ENTRY_TAGS]
    if (header === undefined || headers[header] === undefined) return true
    const tags = handlerTags(headers[header], header)
    delete headers[header]
    if (!Array.isArray(tags)) {
      this.gateway.report(tags, { op: 'tags', key: this.key }, this.logger)
      this.refuse('too-many-tags')
      this.endRunOwn(true)
      return false
    }
    if (tags.length > 0) headers[ENTRY_TAGS] = tags.join(' ')
    return true
  }

  /** Fresh until its lifetime has passed (at once if stale on arrival), then kept stale for keepStale. */
  private setTimes(entry: CacheEntry, now: number): void {
    // How stale an entry already is counts (a client's max-stale reads it); no-cache makes one
    // that would be fresh stale at once.
    const byLifetime = now + this.lifetimeMs - this.initialAgeMs
    const freshUntil = this.staleReason === undefined ? byLifetime : Math.min(now, byLifetime)
    entry.freshUntil = freshUntil
    if (this.initialAgeMs > 0) entry.initialAge = this.initialAgeMs
    entry.expiresAt = Math.max(freshUntil, now) + this.route.keepStaleMs
  }

  /** Offers the entry to the store (checked against the fence there) and shares it with the waiters. */
  private async write(entry: CacheEntry, now: number): Promise<boolean> {
    let tags: readonly string[]
    try {
      tags = tagsFor(this.route.tags, this.info.raw, 'tags')
      const own = entryTags(entry.headers)
      if (own.length > 0) tags = [...tags, ...own]
    } catch (e) {
      this.gateway.report(e, { op: 'tags', key: this.key }, this.logger)
      this.refuse('tags-error')
      this.endRunOwn()
      return false
    }
    const meta = { path: this.path, tags, since: this.fence }
    const shared: Shared = { entry }
    let stored: boolean
    try {
      // Issued without an earlier await, so the writes go out before the response's last byte
      // leaves: a client that reads the response and asks again finds the entry.
      const set = (key: string, value: CacheEntry) => this.gateway.call('set', () => this.gateway.store.set(key, value, meta))
      if (this.vary.length === 0) {
        const result = set(this.key, entry)
        stored = isPromise(result) ? await result : result
      } else {
        const key = variantKey(this.key, this.vary, this.info.headers, this.gateway.config)
        shared.vary = { names: this.vary, key }
        const pointer = set(this.key, varyPointer(this.vary, now, entry.expiresAt))
        const variant = set(key, entry)
        stored = (isPromise(pointer) ? await pointer : pointer) && (isPromise(variant) ? await variant : variant)
      }
    } catch (e) {
      this.gateway.report(e, { op: 'set', key: this.key }, this.logger)
      this.refuse('store-error')
      this.endRunOwn()
      return false
    }
    if (stored) this.gateway.counters.stores++
    else {
      this.gateway.counters.staleFillsRefused++
      // Invalidated while the handler ran, or refused by a store that could not vouch for the fence.
      this.refuse('invalidated')
    }
    this.flight?.filled(shared, stored)
    return stored
  }

  /** The response did not complete (client gone, stream error, hijacked, taken over): store nothing. */
  abandon(): void {
    if (this.state === 'done') return
    this.refuse('incomplete')
    this.endLookAgain()
  }

  /**
   * The body went out in a form the adapter cannot copy as it passes (a web stream, say): store
   * nothing, and treat the key like one whose response cannot be shared.
   */
  decline(): void {
    if (this.state === 'done') return
    this.refuse('body-not-captured')
    this.endRunOwn(true)
  }

  private refuse(reason: string): void {
    this.refusedFor = reason
    logReason(this.logger, 'not stored', reason, this.info)
  }

  // A fill ends in one of three ways, each named for what it does to the requests waiting on it:
  // - the entry offered to the store (end of `finish`): Flight.filled shares it if it was stored;
  // - endRunOwn: nothing to share (not storable, too big, a store or tags failure); waiters run
  //   their own handlers, and with `uncacheable` the key is exempt from coalescing for a while;
  // - endLookAgain: the response says nothing about the key (refused only for the leader's
  //   credentials, cut short, coded for a client that refused the coding, never completed);
  //   waiters look the key up again and one of them leads.
  // The public ends map onto these: abandon → endLookAgain, decline → endRunOwn(uncacheable).

  private endLookAgain(): void {
    this.state = 'done'
    this.chunks = NO_CHUNKS
    this.flight?.lookAgain()
  }

  /** `uncacheable`: the response itself ruled out sharing (see Flights.isExempt). */
  private endRunOwn(uncacheable = false): void {
    this.state = 'done'
    this.chunks = NO_CHUNKS
    this.flight?.runOwn(uncacheable)
  }
}

/** The conditions that revalidate `entry`: its ETag as If-None-Match, its Last-Modified as If-Modified-Since. */
function validatorsOf(entry: CacheEntry): RequestHeaders {
  const etag = entry.headers['etag']
  const lastModified = entry.headers['last-modified']
  const out: Record<string, string> = {}
  if (etag !== undefined) out['if-none-match'] = Array.isArray(etag) ? etag[0]! : etag
  if (lastModified !== undefined) out['if-modified-since'] = Array.isArray(lastModified) ? lastModified[0]! : lastModified
  return out
}
