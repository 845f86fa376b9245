import { acceptsContentEncoding } from './accept-encoding.js'
import { isNotModified } from './conditional.js'
import { isPromise } from './deadline.js'
import { CallbackError, CircuitOpenError } from './errors.js'
import { Fill } from './fill.js'
import { variantKey } from './key.js'
import type { ResolvedCacheConfig, ResolvedRoute } from './options.js'
import { Bypass, Miss, type HitOutcome, type Outcome } from './outcome.js'
import { credentialsOf, mustRevalidate, requestBypassReason, requestDirectives, sharedWith, type Credentials, type RequestDirectives } from './policy.js'
import { AGAIN, type Flight, type Flights } from './single-flight.js'
import type { CacheStats } from './stats.js'
import type { StoreGateway } from './store-gateway.js'
import { indexPathOf, type RequestTarget } from './target.js'
import type { CacheEntry, Logger, MaybePromise, RequestInfo } from './types.js'
import { logReason } from './reasons.js'
import { OUTCOME_LABELS } from './labels.js'
import { isVaryPointer, pointerNames } from './vary.js'

/** One GET/HEAD on its way through the lookup. */
interface Pending {
  readonly info: RequestInfo
  readonly route: ResolvedRoute
  readonly head: boolean
  readonly logger: Logger | undefined
  readonly key: string
  readonly target: RequestTarget
  /** Credentials the route does not key on: only responses shareable with them apply. */
  readonly credentials: Credentials
  /** The fence of the fill (see Store.mark), taken with the lookup for a key expected to miss (see fenceEarly). */
  fence: MaybePromise<number> | undefined
  /** The key of the store read under way, for a failure's report. */
  reading: string
  /** The client's directives, on a route that honours them. */
  readonly directives: RequestDirectives | undefined
  /** A stale entry found for the key, which the miss asks the handler to revalidate. */
  stale: CacheEntry | undefined
}

const ignore = (): void => undefined

/**
 * The GET/HEAD path of one cache: `read` follows a request from its key to the store and to an
 * outcome (hit, wait on a miss in flight, or lead a miss of its own), top to bottom.
 */
export class Lookup {
  // Bound once: a closure per lookup would be garbage on every request.
  private readonly storeGet = (key: string): MaybePromise<CacheEntry | undefined> => this.gateway.store.get(key)
  private readonly storeFence = (key: string, path: string): MaybePromise<number> => this.gateway.store.mark(key, path)

  constructor(
    private readonly gateway: StoreGateway,
    private readonly flights: Flights,
    private readonly config: ResolvedCacheConfig,
    private readonly counters: CacheStats,
  ) {}

  read(info: RequestInfo, route: ResolvedRoute, logger: Logger | undefined): MaybePromise<Outcome> {
    // 1. Whether the cache may answer this request at all.
    if (!route.enabled) return this.bypass('disabled', info, logger)
    const gateway = this.gateway
    if (gateway.closed) return this.bypass('closed', info, logger)
    if (gateway.repairDue) {
      gateway.repair()
      return this.bypass('repairing', info, logger)
    }
    const reason = requestBypassReason(info.headers)
    if (reason !== undefined) return this.bypass(reason, info, logger)
    // Only the route's own options decide: a route that does not honour client directives serves
    // them from the cache, whatever other routes do.
    let directives: RequestDirectives | undefined
    if (route.clientCacheControl) {
      directives = requestDirectives(info.headers)
      if (directives?.bypass) return this.bypass('client-no-store', info, logger)
    }

    // 2. The key: the route's key function (see targetFunction), remembered per URL where it allows.
    let target: RequestTarget
    try {
      target = route.target(info)
    } catch (e) {
      gateway.report(CallbackError.threw('key.custom', e), { op: 'key' }, logger)
      return this.bypass('key-error', info, logger)
    }
    const key = target.key
    const head = info.method === 'HEAD'
    const req: Pending = { info, route, head, logger, key, target, credentials: credentialsOf(info.headers, route), fence: undefined, reading: key, directives, stale: undefined }
    // A client allowed to ask for a fresh copy gets its own handler's response, which refreshes the
    // entry. It does not wait on a miss in flight: that one began before the request, and may be one
    // whose response this very client has read while its entry was still being written.
    if (directives?.refresh === true && !directives.onlyIfCached) return head ? this.headMiss() : this.lead(req, undefined)

    // 3. The store: the entry under the key, or under its variant when the key holds a Vary pointer.
    let found: MaybePromise<CacheEntry | undefined>
    try {
      found = this.find(req)
    } catch (e) {
      return this.failed(e, req)
    }
    if (gateway.remote && !head && this.flights.isExempt(key)) req.fence = this.fenceEarly(req)
    // A local (memory) store answers synchronously, and so does this whole path then: a hit on it
    // must not wait for a promise, which would cost every hit a microtask and its allocations.
    if (!isPromise(found)) return this.decide(found, req, false)
    return found.then(
      (entry) => this.decide(entry, req, false),
      (e: unknown) => this.failed(e, req),
    )
  }

  /**
   * 4. What the entry found (if any) means for the request: a fresh entry is a hit; otherwise it
   * waits on the miss in flight for its key, or leads a miss of its own. `again`: the request has
   * waited once already and is looking again (see `wait`).
   */
  private decide(entry: CacheEntry | undefined, req: Pending, again: boolean): MaybePromise<Outcome> {
    if (entry !== undefined && !isVaryPointer(entry)) {
      const now = Date.now()
      const directives = req.directives
      if ((entry.freshUntil ?? entry.expiresAt) > now && (directives === undefined || freshEnough(entry, directives, now))) return this.served(entry, req, OUTCOME_LABELS.hit)
      // Stale, or not fresh enough for this client: kept (keepStale), it may still be served to a
      // client that allows it, or else revalidated.
      if (entry.expiresAt > now) {
        if (directives?.maxStale !== undefined && now - (entry.freshUntil ?? entry.expiresAt) <= directives.maxStale && !mustRevalidate(entry, req.route)) {
          return this.served(entry, req, OUTCOME_LABELS.stale)
        }
        if (req.credentials !== undefined && !sharedWith(req.credentials, entry.headers)) return this.bypass('credentials', req.info, req.logger)
        req.stale = entry
      }
    }
    if (req.directives?.onlyIfCached) return this.gatewayTimeout(req)
    // Stale-while-revalidate, stale-if-error and a background refresh go here: decided before the
    // request joins or leads a miss.

    // A HEAD may wait on a GET's miss (until its entry is written, which can outlast the response) and
    // be answered from it; its own response has no body to store and must never become the GET entry.
    const flight = this.flights.get(req.key)
    // Never on its own miss: an adapter that lost the outcome it had for a request and asks again
    // would wait on itself until lockTimeout.
    if (flight !== undefined && !isLeader(flight, req.info)) return this.wait(flight, req, again)
    if (req.head) return this.headMiss()
    if (flight !== undefined || this.flights.isExempt(req.key)) return this.lead(req, undefined)
    return this.lead(req, this.flights.begin(req.key, req.info.raw, indexPathOf(req.target), req.route.tags))
  }

  /** 5. Waits on another request's miss for its key, and is served its response if it may share it. */
  private async wait(flight: Flight, req: Pending, again: boolean): Promise<Outcome> {
    // Taken before the wait: a miss after it must take its fence afresh.
    req.fence = undefined
    if (!again) this.counters.coalesced++
    const shared = await flight.wait(this.config.lockTimeoutMs)
    let variant: readonly string[] | undefined
    if (shared !== AGAIN) {
      // The leader's response is this request's too only if it is the same variant.
      const sameVariant = shared?.vary === undefined || variantKey(req.key, shared.vary.names, req.info.headers, this.config) === shared.vary.key
      if (shared !== undefined && sameVariant && (req.credentials === undefined || sharedWith(req.credentials, shared.entry.headers))) {
        const entry = shared.entry
        if ((entry.freshUntil ?? entry.expiresAt) > Date.now()) return this.hit(entry, req)
        // Stored stale (no-cache, max-age=0): each use needs revalidation, this request's too.
        req.stale = entry
        return req.head ? this.headMiss() : this.lead(req, undefined)
      }
      // Released without a response it may share: run the handler, concurrently with the other waiters.
      if (shared?.vary === undefined || sameVariant) return req.head ? this.headMiss() : this.lead(req, undefined)
      variant = shared.vary.names
    }
    // Once only: a key written again and again must not keep a request waiting on and on.
    if (again) return req.head ? this.headMiss() : this.lead(req, undefined)
    // Look again. Released with AGAIN, from the key: a leader that outlasted the wait may have
    // stored its response since. Served another variant, from this request's own: the others of
    // this one look it up too, and the first to miss leads them.
    let found: MaybePromise<CacheEntry | undefined>
    try {
      found = variant === undefined ? this.find(req) : this.get(req, variantKey(req.key, variant, req.info.headers, this.config))
      if (isPromise(found)) found = await found
    } catch (e) {
      return this.failed(e, req)
    }
    return this.decide(found, req, true)
  }

  /** 6. Leads a miss: takes its fence (the store's mark, see Store), then the handler's response is the fill's. */
  private lead(req: Pending, flight: Flight | undefined): MaybePromise<Outcome> {
    const path = flight?.indexPath ?? indexPathOf(req.target)
    let fence = req.fence
    if (fence === undefined) {
      try {
        fence = this.gateway.call('mark', this.storeFence, req.key, path)
      } catch (e) {
        return this.fenceFailed(e, req, flight)
      }
    }
    // A synchronous store (memory) takes no closures: this runs on every miss.
    if (!isPromise(fence)) return this.fill(req, flight, path, fence)
    return fence.then(
      (f) => this.fill(req, flight, path, f),
      (e: unknown) => this.fenceFailed(e, req, flight),
    )
  }

  private fill(req: Pending, flight: Flight | undefined, path: string, fence: number): Outcome {
    this.counters.misses++
    if (req.stale !== undefined) this.counters.revalidations++
    // Only where others may wait, or where the stale entry's validators replace the client's: on a
    // key that cannot be shared, the handler's own 304s save work.
    return new Miss(new Fill(this.gateway, req, path, fence, flight), flight !== undefined || req.stale !== undefined, this.counters)
  }

  /** The entry under the request's key, or under its variant's when the key holds a Vary pointer. */
  private find(req: Pending): MaybePromise<CacheEntry | undefined> {
    const got = this.get(req, req.key)
    if (isPromise(got)) return got.then((entry) => this.variantOf(entry, req))
    return this.variantOf(got, req)
  }

  private variantOf(entry: CacheEntry | undefined, req: Pending): MaybePromise<CacheEntry | undefined> {
    if (entry === undefined || !isVaryPointer(entry) || entry.expiresAt <= Date.now()) return entry
    return this.get(req, variantKey(req.key, pointerNames(entry), req.info.headers, this.config))
  }

  private get(req: Pending, key: string): MaybePromise<CacheEntry | undefined> {
    req.reading = key
    return this.gateway.call('get', this.storeGet, key)
  }

  /**
   * A key whose responses could not be shared lately will most likely miss: its fence is asked for
   * with the lookup, so a remote store answers both in one round trip instead of two in a row (a
   * local one answers at once either way).
   */
  private fenceEarly(req: Pending): MaybePromise<number> | undefined {
    let fence: MaybePromise<number>
    try {
      fence = this.gateway.call('mark', this.storeFence, req.key, indexPathOf(req.target))
    } catch {
      // lead() asks again and reports what fails then.
      return undefined
    }
    // Unused if the lookup hits; a failure is then the lookup's to report.
    if (isPromise(fence)) fence.catch(ignore)
    return fence
  }

  /** A stored entry answers the request, if the request's credentials allow it to be shared with them. */
  private served(entry: CacheEntry, req: Pending, label: string): Outcome {
    if (req.credentials === undefined || sharedWith(req.credentials, entry.headers)) return this.hit(entry, req, label)
    // Stored for anonymous callers and not marked shareable: this caller gets the handler.
    return this.bypass('credentials', req.info, req.logger)
  }

  /** only-if-cached with nothing usable stored: 504, without the handler (RFC 9111 §5.2.1.7). */
  private gatewayTimeout(req: Pending): Outcome {
    this.counters.misses++
    const now = Date.now()
    logReason(req.logger, 'bypass', 'only-if-cached', req.info)
    const entry: CacheEntry = { status: 504, headers: { 'cache-control': 'no-store' }, body: new Uint8Array(0), storedAt: now, expiresAt: now }
    return { kind: 'hit', entry, notModified: false, label: OUTCOME_LABELS.miss }
  }

  private hit(entry: CacheEntry, req: Pending, label: string = OUTCOME_LABELS.hit): HitOutcome | Outcome {
    // A coded entry that varies on Accept-Encoding only reaches requests whose header reads alike;
    // one that does not say it varies reaches every request for its URL, waiters included.
    const coding = entry.headers['content-encoding']
    if (coding !== undefined && !acceptsContentEncoding(req.info.headers['accept-encoding'], coding)) return this.bypass('content-encoding', req.info, req.logger)
    if (label === OUTCOME_LABELS.stale) this.counters.staleHits++
    else this.counters.hits++
    return { kind: 'hit', entry, notModified: isNotModified(entry, req.info.headers), label }
  }

  private headMiss(): Outcome {
    this.counters.misses++
    return new Miss(undefined, false, this.counters)
  }

  private fenceFailed(error: unknown, req: Pending, flight: Flight | undefined): Outcome {
    flight?.runOwn()
    return this.fail(error, 'mark', req.key, req.info, req.logger)
  }

  private failed(error: unknown, req: Pending): Outcome {
    return this.fail(error, 'get', req.reading, req.info, req.logger)
  }

  private fail(error: unknown, op: string, key: string, info: RequestInfo, logger: Logger | undefined): Outcome {
    if (error instanceof CircuitOpenError) return this.bypass('circuit-open', info, logger)
    this.gateway.report(error, { op, key }, logger)
    return this.bypass('store-error', info, logger)
  }

  private bypass(reason: string, info: RequestInfo, logger: Logger | undefined): Outcome {
    this.counters.bypasses++
    logReason(logger, 'bypass', reason, info)
    return new Bypass(reason, this.counters)
  }
}

/** Whether `info` is the request that leads `flight`. */
function isLeader(flight: Flight, info: RequestInfo): boolean {
  const raw = info.raw
  return flight.leader === raw && typeof raw === 'object' && raw !== null
}

/**
 * Whether a fresh entry is fresh enough for the client's max-age and min-fresh (RFC 9111
 * §5.2.1.1, §5.2.1.3).
 */
function freshEnough(entry: CacheEntry, directives: RequestDirectives, now: number): boolean {
  if (directives.maxAge !== undefined && now - entry.storedAt + (entry.initialAge ?? 0) > directives.maxAge) return false
  return directives.minFresh === undefined || (entry.freshUntil ?? entry.expiresAt) - now >= directives.minFresh
}
