import type { TagSource } from './options.js'
import type { CacheEntry, InvalidationTargets } from './types.js'

/** What a leader shares: the stored entry and, for a varying response, which variant it is. */
export interface Shared {
  entry: CacheEntry
  vary?: { names: readonly string[]; key: string }
}

/**
 * What a waiter gets when a write overtook the leader, when the leader's response says nothing
 * about the key (refused for the leader's own credentials, or never completed), or when it waited
 * lockTimeout: look the key up again.
 */
export const AGAIN = Symbol('larder.again')

/**
 * One in-process miss that others may wait on. A waiter gets the leader's entry only if it was
 * stored; otherwise (not cacheable, refused as stale, store failure) it gets undefined and
 * runs its own handler, so nobody is served a response that was not meant to be shared. When a
 * write in this process overtakes the leader, its waiters get AGAIN at once instead, and so they do
 * when the leader's response says nothing about the key, or outlasts their wait.
 */
export class Flight {
  private waiters: Array<(shared: Shared | undefined | typeof AGAIN) => void> = []
  private settled = false
  private overtakenKeepingWaiters = false

  constructor(
    readonly key: string,
    /** The leader's request (RequestInfo.raw), to tell it apart from requests that may wait. */
    readonly leader: unknown,
    /** The index path (see indexPath) and the route's tags its entry will be stored under. */
    readonly indexPath: string,
    readonly tags: TagSource<unknown>,
    private readonly onEnd: (flight: Flight, uncacheable: boolean) => void,
  ) {}

  /** Whether an invalidation of `targets` may remove the entry this flight is filling. */
  touchedBy(targets: InvalidationTargets): boolean {
    if (targets.keys?.includes(this.key) || targets.paths?.includes(this.indexPath)) return true
    const tags = targets.tags
    if (tags === undefined || tags.length === 0) return false
    // Tags computed from the request are only known when the response is stored.
    return typeof this.tags === 'function' || this.tags.some((t) => tags.includes(t))
  }

  wait(timeoutMs: number): Promise<Shared | undefined | typeof AGAIN> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A leader this slow should not hold back later arrivals either. Its waiters look again
        // rather than each run the handler: the first leads, and a slow origin sees one more
        // request per lockTimeout instead of one per waiter.
        this.onEnd(this, false)
        resolve(AGAIN)
      }, timeoutMs)
      this.waiters.push((shared) => {
        clearTimeout(timer)
        resolve(shared)
      })
    })
  }

  /**
   * The leader read before a write that touched it, and takes no more waiters. With `keepWaiters`
   * (every write is known to this process, so all of them arrived before the write was
   * acknowledged) they stay and get its response even though the store refuses it; otherwise they
   * go and look again at once.
   */
  overtaken(keepWaiters: boolean): void {
    if (keepWaiters) this.overtakenKeepingWaiters = true
    else this.wake(AGAIN)
  }

  /**
   * The leader's response was captured and offered to the store. Its waiters get it if the store
   * kept it, or, refused, if a write overtook this flight while keeping them (see overtaken).
   */
  filled(shared: Shared, stored: boolean): void {
    this.end(stored || this.overtakenKeepingWaiters ? shared : undefined, false)
  }

  /**
   * Ended with nothing to share (not cacheable, too big, a store failure): waiters run their own
   * handlers. `uncacheable`: the response showed that this key's responses are not meant to be shared.
   */
  runOwn(uncacheable = false): void {
    this.end(undefined, uncacheable)
  }

  /**
   * The leader's response says nothing about the key (refused only for the leader's credentials, or
   * never completed): rather than each running its handler, the waiters look again and one leads.
   */
  lookAgain(): void {
    this.end(AGAIN, false)
  }

  private end(result: Shared | undefined | typeof AGAIN, uncacheable: boolean): void {
    if (this.settled) return
    this.settled = true
    this.onEnd(this, uncacheable)
    this.wake(result)
  }

  private wake(result: Shared | undefined | typeof AGAIN): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w(result)
  }
}

// Waiting on a leader only pays if the leader's response can be shared. Once a key's response says
// it cannot (no-store, private, Set-Cookie, too large…), requests for it skip coalescing for a while
// (Varnish's hit-for-miss): otherwise concurrent requests to an uncacheable route would run in
// waves, each behind the one before. They still look the key up, so a response that becomes
// cacheable is stored and served at once. 5xx responses do not count: an origin recovering from
// an outage is exactly when a stampede must still be held back.
const EXEMPT_MS = 5_000
const MAX_EXEMPT = 10_000

/** The in-flight misses of one cache, by key. Entries leave when their leader settles or times out. */
export class Flights {
  private readonly byKey = new Map<string, Flight>()
  // Keys exempt from coalescing, until when (ms). Insertion order is expiry order.
  private readonly exemptUntil = new Map<string, number>()
  private readonly ended = (flight: Flight, uncacheable: boolean): void => {
    if (this.byKey.get(flight.key) === flight) this.byKey.delete(flight.key)
    if (uncacheable) this.exempt(flight.key)
  }

  get(key: string): Flight | undefined {
    return this.byKey.get(key)
  }

  /** Whether `key` is exempt from coalescing: its requests run without waiting on one another. */
  isExempt(key: string): boolean {
    if (this.exemptUntil.size === 0) return false
    const until = this.exemptUntil.get(key)
    if (until === undefined) return false
    if (until > Date.now()) return true
    this.exemptUntil.delete(key)
    return false
  }

  private exempt(key: string): void {
    this.exemptUntil.delete(key)
    // Bounded: the oldest exemption goes first, which only means that key coalesces again.
    if (this.exemptUntil.size >= MAX_EXEMPT) this.exemptUntil.delete(this.exemptUntil.keys().next().value!)
    this.exemptUntil.set(key, Date.now() + EXEMPT_MS)
  }

  begin(key: string, leader: unknown, path: string, tags: TagSource<unknown>): Flight {
    const flight = new Flight(key, leader, path, tags, this.ended)
    this.byKey.set(key, flight)
    return flight
  }

  /**
   * A write has invalidated `targets`. The in-flight misses it touches read before it, so their
   * entries will be refused: they stop taking waiters, so every later request shares one new miss
   * that reads after the write. Those already waiting get the old miss's response if
   * `keepWaiters` (see Flight.overtaken), or else go and look again with the later requests.
   */
  overtake(targets: InvalidationTargets, keepWaiters: boolean): void {
    if (this.byKey.size === 0) return
    for (const [key, flight] of this.byKey) {
      if (!flight.touchedBy(targets)) continue
      this.byKey.delete(key)
      flight.overtaken(keepWaiters)
    }
  }

  get size(): number {
    return this.byKey.size
  }
}
