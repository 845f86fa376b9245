import { acceptsContentEncoding } from './accept-encoding.js'
import { CircuitBreaker } from './breaker.js'
import type { EngineContext } from './context.js'
import { isPromise, withDeadline } from './deadline.js'
import { CallbackError, CircuitOpenError, storeFailure } from './errors.js'
import { Fill } from './fill.js'
import { memoryStore } from './memory-store.js'
import { Mutation, runInvalidation } from './mutation.js'
import { resolveCacheOptions, resolveRoute, type CacheOptions, type ResolvedCacheConfig, type ResolvedRoute, type RouteOptions } from './options.js'
import { indexPath, splitUrl } from './paths.js'
import { askForWholeResponse, isNotModified } from './conditional.js'
import { clientDirective, credentialsOf, requestBypassReason, sharedWith, type Credentials } from './policy.js'
import { variantKey } from './key.js'
import { AGAIN, Flights, type Flight } from './single-flight.js'
import { indexedPath, type RequestTarget } from './target.js'
import { isVaryPointer, pointerNames } from './vary.js'
import { emptyStats, type CacheStats } from './stats.js'
import type { CacheEntry, ErrorContext, InvalidationTargets, Logger, MaybePromise, RequestInfo, Store } from './types.js'

/** What the adapter does with a request. */
export type Outcome =
  /** Replay `entry` (as a 304 without body when `notModified`); do not run the handler. */
  | { kind: 'hit'; entry: CacheEntry; notModified: boolean }
  /** Run the handler; feed its response to `fill` when there is one (none for HEAD). */
  | { kind: 'miss'; fill: Fill | undefined; cache: Cache }
  /** Run the handler; the cache stays out of it. */
  | { kind: 'bypass'; reason: string; cache: Cache }
  /** Run the handler; call `mutation.complete(status)` and wait for it before sending. */
  | { kind: 'mutation'; mutation: Mutation; cache: Cache }
  /** Not a method the cache deals with. */
  | { kind: 'pass' }

export const STATUS: Record<'hit' | 'miss' | 'bypass', string> = { hit: 'HIT', miss: 'MISS', bypass: 'BYPASS' }

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** One GET/HEAD on its way through lookup. */
interface Pending {
  info: RequestInfo
  route: ResolvedRoute
  head: boolean
  logger: Logger | undefined
  key: string
  target: RequestTarget
  /** Credentials the route does not key on: only responses shareable with them apply. */
  credentials: Credentials
  /** Taken with the lookup, for a key expected to miss (see markEarly). */
  mark: MaybePromise<number> | undefined
}
const MAX_MISSED = 1000

function mergeTargets(list: readonly InvalidationTargets[]): InvalidationTargets {
  const keys = new Set<string>()
  const tags = new Set<string>()
  const paths = new Set<string>()
  for (const t of list) {
    for (const k of t.keys ?? []) keys.add(k)
    for (const k of t.tags ?? []) tags.add(k)
    for (const k of t.paths ?? []) paths.add(k)
  }
  return { keys: [...keys], tags: [...tags], paths: [...paths] }
}
const PASS: Outcome = { kind: 'pass' }
const ignore = (): void => undefined

// How many caches use each process-local store. A cache sees every write to a local store only if
// it is the store's one user: another cache's writes do not overtake its misses.
const localUsers = new WeakMap<Store, number>()

export interface InvalidateOptions {
  tags?: readonly string[]
  /** Paths as requests use them (`/users/42`): every cached variant of each is removed. */
  paths?: readonly string[]
  /** Exact cache keys. */
  keys?: readonly string[]
}

export interface Cache<R = any> {
  readonly config: ResolvedCacheConfig
  readonly store: Store
  /** Validates route options once, at setup. `where` names the route in error messages. */
  route(options?: RouteOptions<R> | boolean, where?: string): ResolvedRoute<R>
  /**
   * Decides what to do with a request. Synchronous when the store is (a memory hit never awaits).
   * `previous` is the outcome an earlier larder middleware reached for the same request: a more
   * specific one takes over from it without a second lookup when the key is the same. When the
   * earlier middleware used another cache, a read is this cache's alone (the other one's miss is
   * withdrawn) and a write invalidates in both.
   */
  handle(info: RequestInfo<R>, route: ResolvedRoute<R>, logger?: Logger, previous?: Outcome): MaybePromise<Outcome>
  /** Removes entries by tag, path (all variants) or key. Rejects if the store fails, after reporting it. */
  invalidate(targets: InvalidateOptions): Promise<number>
  stats(): CacheStats
  /** Closes the store. Requests seen afterwards bypass the cache. */
  close(): Promise<void>
  /** Calls `listener` once when the cache closes (at once if it is closed): an adapter undoes its setup. */
  onClose(listener: () => void): void
}

class LarderCache implements Cache, EngineContext {
  readonly config: ResolvedCacheConfig
  readonly store: Store
  readonly counters: CacheStats = emptyStats()
  private readonly defaults: ResolvedRoute
  private readonly flights = new Flights()
  // Bound once: a closure per lookup would be garbage on every request.
  private readonly storeGet = (key: string): MaybePromise<CacheEntry | undefined> => this.store.get(key)
  private readonly storeMark = (key: string, path: string): MaybePromise<number> => this.store.mark(key, path)
  private closed = false
  private closeListeners: Array<() => void> = []
  private lastWarned = new Map<string, number>()
  private readonly breaker: CircuitBreaker | undefined
  // A store other instances write to answers over the network: worth sending a mark with a lookup.
  private readonly remoteStore: boolean
  // Invalidations the store failed to apply. Until they are applied the cache is bypassed, so an
  // outage during a write cannot leave old entries to be served once the store is back.
  private missed: InvalidationTargets[] = []
  private missedOverflow = false
  private repairing = false
  private repairTimer: NodeJS.Timeout | undefined

  constructor(options: CacheOptions | undefined) {
    const { config, defaults, store } = resolveCacheOptions(options)
    this.config = config
    this.defaults = defaults
    this.store = store ?? memoryStore()
    this.remoteStore = this.store.local !== true
    if (!this.remoteStore) localUsers.set(this.store, (localUsers.get(this.store) ?? 0) + 1)
    this.breaker = config.breaker && new CircuitBreaker(config.breaker.failures, config.breaker.cooldownMs)
  }

  route(options?: RouteOptions | boolean, where = ''): ResolvedRoute {
    return resolveRoute(options, this.defaults, this.config, where)
  }

  handle(info: RequestInfo, route: ResolvedRoute, logger?: Logger, previous?: Outcome): MaybePromise<Outcome> {
    const method = info.method
    const theirs = previous !== undefined && previous.kind !== 'pass' && previous.kind !== 'hit' && previous.cache !== this ? previous : undefined
    if (method === 'GET' || method === 'HEAD') {
      if (theirs !== undefined) {
        if (theirs.cache instanceof LarderCache) theirs.cache.withdraw(theirs)
      } else if (previous !== undefined) {
        const adopted = this.adopt(previous, info, route)
        if (adopted) return adopted
      }
      return this.read(info, route, method === 'HEAD', logger)
    }
    if (MUTATIONS.has(method)) {
      if (previous?.kind === 'mutation' && theirs === undefined) {
        previous.mutation.retarget(route)
        return previous
      }
      // Each cache may hold entries the write changed: the other cache's invalidation runs too.
      const alongside = theirs?.kind === 'mutation' ? theirs.mutation : undefined
      return { kind: 'mutation', mutation: new Mutation(this, route, info, indexPath(splitUrl(info.url).path), logger, alongside), cache: this }
    }
    return PASS
  }

  /** Another cache's middleware took the request over: this cache's outcome for it never happened. */
  private withdraw(outcome: Outcome): void {
    if (outcome.kind === 'miss') {
      outcome.fill?.abandon()
      this.counters.misses--
    } else if (outcome.kind === 'bypass') this.counters.bypasses--
  }

  private adopt(previous: Outcome, info: RequestInfo, route: ResolvedRoute): Outcome | undefined {
    if (previous.kind === 'miss' && previous.fill !== undefined && route.enabled) {
      let key: string
      try {
        key = route.target(info).key
      } catch {
        key = ''
      }
      if (key === previous.fill.key) {
        previous.fill.retarget(route)
        return previous
      }
    }
    // Superseded: the request is counted once, by the outcome that replaces this one.
    this.withdraw(previous)
    return undefined
  }

  private read(info: RequestInfo, route: ResolvedRoute, head: boolean, logger: Logger | undefined): MaybePromise<Outcome> {
    if (!route.enabled) return this.bypass('disabled')
    if (this.closed) return this.bypass('closed')
    if (this.missed.length > 0 || this.missedOverflow) {
      this.repair()
      return this.bypass('repairing')
    }
    const reason = requestBypassReason(info.headers)
    if (reason !== undefined) return this.bypass(reason)
    // Only the route's own options decide: a route that does not honour client directives serves
    // them from the cache, whatever other routes do. (A global Express larder, which runs before
    // routing, learns from its adapter which requests a route's larder honouring them will take.)
    let refresh = false
    if (route.clientCacheControl) {
      const directive = clientDirective(info.headers)
      if (directive === 'bypass') return this.bypass('client-no-store')
      refresh = directive === 'refresh'
    }
    let target: RequestTarget
    try {
      target = route.target(info)
    } catch (e) {
      this.report(CallbackError.threw('key.custom', e), { op: 'key' }, logger)
      return this.bypass('key-error')
    }
    const key = target.key
    const req: Pending = { info, route, head, logger, key, target, credentials: credentialsOf(info.headers, route), mark: undefined }
    // A client allowed to ask for a fresh copy gets its own handler's response, which refreshes the
    // entry. It does not wait on a miss in flight: that one began before the request, and may be one
    // whose response this very client has read while its entry was still being written.
    if (refresh) return req.head ? this.headMiss() : this.lead(req, undefined)
    let got: MaybePromise<CacheEntry | undefined>
    try {
      got = this.call('get', this.storeGet, key)
    } catch (e) {
      return this.failed(e, 'get', key, logger)
    }
    if (this.remoteStore && !head && this.flights.passes(key)) req.mark = this.markEarly(req)
    if (isPromise(got)) {
      return got.then(
        (entry) => this.afterGet(entry, req),
        (e: unknown) => this.failed(e, 'get', key, logger),
      )
    }
    return this.afterGet(got, req)
  }

  /**
   * A key whose responses could not be shared lately will most likely miss: its mark is asked for
   * with the lookup, so a remote store answers both in one round trip instead of two in a row (a
   * local one answers at once either way).
   */
  private markEarly(req: Pending): MaybePromise<number> | undefined {
    let mark: MaybePromise<number>
    try {
      mark = this.call('mark', this.storeMark, req.key, indexedPath(req.target))
    } catch {
      // lead() asks again and reports what fails then.
      return undefined
    }
    // Unused if the lookup hits; a failure is then the lookup's to report.
    if (isPromise(mark)) mark.catch(ignore)
    return mark
  }

  private hit(entry: CacheEntry, req: Pending): Outcome {
    // A coded entry that varies on Accept-Encoding only reaches requests whose header reads alike;
    // one that does not say it varies reaches every request for its URL, waiters included.
    const coding = entry.headers['content-encoding']
    if (coding !== undefined && !acceptsContentEncoding(req.info.headers['accept-encoding'], coding)) return this.bypass('content-encoding')
    this.counters.hits++
    return { kind: 'hit', entry, notModified: isNotModified(entry, req.info.headers) }
  }

  /** A primary key's entry: a Vary pointer sends the request on to its variant. */
  private afterGet(entry: CacheEntry | undefined, req: Pending, again = false): MaybePromise<Outcome> {
    if (entry !== undefined && isVaryPointer(entry) && entry.expiresAt > Date.now()) return this.lookUpVariant(pointerNames(entry), req, again)
    return this.afterLookup(entry, req, again)
  }

  private lookUpVariant(names: readonly string[], req: Pending, again: boolean): MaybePromise<Outcome> {
    return this.lookUp(variantKey(req.key, names, req.info.headers, this.config), req, again, true)
  }

  /** Looks `key` up: `variant` keys hold entries, primary keys may hold a Vary pointer. */
  private lookUp(key: string, req: Pending, again: boolean, variant: boolean): MaybePromise<Outcome> {
    let got: MaybePromise<CacheEntry | undefined>
    try {
      got = this.call('get', this.storeGet, key)
    } catch (e) {
      return this.failed(e, 'get', key, req.logger)
    }
    if (isPromise(got)) {
      return got.then(
        (entry) => (variant ? this.afterLookup(entry, req, again) : this.afterGet(entry, req, again)),
        (e: unknown) => this.failed(e, 'get', key, req.logger),
      )
    }
    return variant ? this.afterLookup(got, req, again) : this.afterGet(got, req, again)
  }

  /** `again`: the request waited on a miss that could not answer it, and is looking the key up again. */
  private afterLookup(entry: CacheEntry | undefined, req: Pending, again = false): MaybePromise<Outcome> {
    if (entry !== undefined && !isVaryPointer(entry) && entry.expiresAt > Date.now()) {
      if (req.credentials === undefined || sharedWith(req.credentials, entry.headers)) return this.hit(entry, req)
      // Stored for anonymous callers and not marked shareable: this caller gets the handler.
      return this.bypass('credentials')
    }
    // A HEAD may wait on a GET's miss (until its entry is written, which can outlast the response) and
    // be answered from it; its own response has no body to store and must never become the GET entry.
    const flight = this.flights.get(req.key)
    if (flight !== undefined) {
      // The leader itself, handled again by an adapter that lost its earlier outcome: waiting would
      // be waiting on itself until lockTimeout.
      const raw = req.info.raw
      if (flight.leader === raw && typeof raw === 'object' && raw !== null) return this.lead(req, undefined)
      return this.follow(flight, req, again)
    }
    if (req.head) return this.headMiss()
    if (this.flights.passes(req.key)) return this.lead(req, undefined)
    return this.lead(req, this.flights.begin(req.key, req.info.raw, indexedPath(req.target), req.route.tags))
  }

  private async follow(flight: Flight, req: Pending, again = false): Promise<Outcome> {
    // Taken before the wait: a miss after it must be marked afresh.
    req.mark = undefined
    if (!again) this.counters.coalesced++
    const shared = await flight.wait(this.config.lockTimeoutMs)
    if (shared === AGAIN) {
      // From the store: a leader that outlasted the wait may have stored its response since.
      // Once only: a key written again and again must not keep a request waiting on and on.
      if (!again) return this.lookUp(req.key, req, true, false)
      return req.head ? this.headMiss() : this.lead(req, undefined)
    }
    // The leader's response is this request's too only if it is the same variant.
    const sameVariant = shared?.vary === undefined || variantKey(req.key, shared.vary.names, req.info.headers, this.config) === shared.vary.key
    if (shared !== undefined && sameVariant && (req.credentials === undefined || sharedWith(req.credentials, shared.entry.headers))) return this.hit(shared.entry, req)
    // Another variant: the others of this one look it up too, and the first to miss leads them.
    if (shared?.vary !== undefined && !sameVariant && !again) return this.lookUpVariant(shared.vary.names, req, true)
    // Released without a response it may share: run the handler, concurrently with the other waiters.
    return req.head ? this.headMiss() : this.lead(req, undefined)
  }

  private headMiss(): Outcome {
    this.counters.misses++
    return { kind: 'miss', fill: undefined, cache: this }
  }

  private lead(req: Pending, flight: Flight | undefined): MaybePromise<Outcome> {
    const normalised = flight?.path ?? indexedPath(req.target)
    let mark = req.mark
    if (mark === undefined) {
      try {
        mark = this.call('mark', this.storeMark, req.key, normalised)
      } catch (e) {
        return this.markFailed(e, req, flight)
      }
    }
    // A synchronous store (memory) takes no closures: this runs on every miss.
    if (!isPromise(mark)) return this.fill(req, flight, normalised, mark)
    return mark.then(
      (m) => this.fill(req, flight, normalised, m),
      (e: unknown) => this.markFailed(e, req, flight),
    )
  }

  private fill(req: Pending, flight: Flight | undefined, normalised: string, mark: number): Outcome {
    this.counters.misses++
    // Only where others may wait: on a key that cannot be shared, the handler's own 304s save work.
    if (flight !== undefined) askForWholeResponse(req.info.headers)
    return { kind: 'miss', fill: new Fill(this, req.key, normalised, req.route, req.info, mark, flight, req.logger, req.credentials), cache: this }
  }

  private markFailed(error: unknown, req: Pending, flight: Flight | undefined): Outcome {
    flight?.settle()
    return this.failed(error, 'mark', req.key, req.logger)
  }

  private bypass(reason: string): Outcome {
    this.counters.bypasses++
    return { kind: 'bypass', reason, cache: this }
  }

  private failed(error: unknown, op: string, key: string, logger: Logger | undefined): Outcome {
    if (error instanceof CircuitOpenError) return this.bypass('circuit-open')
    this.report(error, { op, key }, logger)
    return this.bypass('store-error')
  }

  call<T, A = undefined, B = undefined>(op: string, fn: (a: A, b: B) => MaybePromise<T>, a?: A, b?: B, evenIfOpen = false): MaybePromise<T> {
    const breaker = this.breaker
    if (breaker !== undefined && !evenIfOpen && !breaker.allow()) throw new CircuitOpenError()
    let result: MaybePromise<T>
    try {
      result = fn(a as A, b as B)
    } catch (e) {
      breaker?.failure()
      throw storeFailure(op, e)
    }
    if (!isPromise(result)) {
      if (breaker?.isOpen) breaker.success()
      return result
    }
    if (breaker === undefined) return withDeadline(result, this.config.storeTimeoutMs, op)
    return withDeadline(result, this.config.storeTimeoutMs, op).then(
      (v) => {
        breaker.success()
        return v
      },
      (e: unknown) => {
        if (breaker.failure()) this.report(new CircuitOpenError(e), { op: 'circuit' }, undefined)
        throw e
      },
    )
  }

  invalidated(targets: InvalidationTargets): void {
    this.flights.overtake(targets, !this.remoteStore && localUsers.get(this.store) === 1)
  }

  /** Keeps an invalidation the store could not apply, to apply it before the cache is used again. */
  missedInvalidation(targets: InvalidationTargets): void {
    if (this.missedOverflow) return
    if (this.missed.length >= MAX_MISSED) {
      // Too many to replay one by one: clearing the store is the only safe repair.
      this.missed = []
      this.missedOverflow = true
    } else this.missed.push(targets)
    this.scheduleRepair()
  }

  private scheduleRepair(): void {
    if (this.repairTimer !== undefined || this.closed) return
    this.repairTimer = setTimeout(() => {
      this.repairTimer = undefined
      this.repair()
    }, this.config.breaker?.cooldownMs ?? 1000)
    this.repairTimer.unref()
  }

  private repair(): void {
    if (this.repairing || this.closed) return
    this.repairing = true
    const overflow = this.missedOverflow
    const batch = this.missed.slice()
    const run = async (): Promise<void> => {
      if (overflow) await this.call('clear', () => this.store.clear())
      else await this.call('invalidate', () => this.store.invalidate(mergeTargets(batch)))
    }
    run().then(
      () => {
        if (overflow) {
          this.missedOverflow = false
          this.missed = []
        } else this.missed.splice(0, batch.length)
        this.repairing = false
        if (this.missed.length > 0 || this.missedOverflow) this.scheduleRepair()
      },
      () => {
        this.repairing = false
        this.scheduleRepair()
      },
    )
  }

  report(error: unknown, context: ErrorContext, logger: Logger | undefined): void {
    this.counters.errors++
    const err = storeFailure(context.op, error)
    try {
      this.config.onError?.(err, context)
    } catch {
      // A failing error callback must not turn a served request into a failed one.
    }
    if (logger) {
      logger.warn({ err, op: context.op, key: context.key }, 'larder: cache operation failed; the request is served by the handler')
    } else if (!this.config.onError) {
      // Without a logger or onError, warn at most once every 10s per operation so an outage is visible but not a flood.
      const now = Date.now()
      if (now - (this.lastWarned.get(context.op) ?? 0) > 10_000) {
        this.lastWarned.set(context.op, now)
        console.warn(`larder: ${context.op} failed (${err.message}); requests are served by their handlers. Pass onError to handle these.`)
      }
    }
  }

  async invalidate(targets: InvalidateOptions): Promise<number> {
    const t = targets ?? {}
    const paths = t.paths?.map(indexPath)
    const out: { tags?: readonly string[]; paths?: readonly string[]; keys?: readonly string[] } = {}
    if (t.tags?.length) out.tags = t.tags
    if (paths?.length) out.paths = paths
    if (t.keys?.length) out.keys = t.keys
    return runInvalidation(this, out, undefined)
  }

  stats(): CacheStats {
    const s = { ...this.counters, inFlight: this.flights.size }
    const store = this.store.stats?.()
    if (store) s.store = store
    return s
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.repairTimer !== undefined) clearTimeout(this.repairTimer)
    for (const listener of this.closeListeners.splice(0)) listener()
    try {
      await this.store.close()
    } catch (e) {
      throw storeFailure('close', e)
    }
  }

  onClose(listener: () => void): void {
    if (this.closed) listener()
    else this.closeListeners.push(listener)
  }
}

/** Creates a cache: the options are validated here, once; a bad one throws a LarderOptionError naming it. */
export function createCache<R = any>(options?: CacheOptions<R>): Cache<R> {
  return new LarderCache(options as CacheOptions | undefined) as Cache<R>
}
