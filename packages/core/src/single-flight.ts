import type { CacheEntry } from './types.js'

/** What a leader shares: the stored entry and, for a varying response, which variant it is. */
export interface Shared {
  entry: CacheEntry
  vary?: { names: readonly string[]; key: string }
}

/**
 * One in-process miss that others may wait on. A waiter gets the leader's entry only if it was
 * stored; otherwise (not cacheable, refused as stale, store failure, timeout) it gets undefined and
 * runs its own handler, so nobody is served a response that was not meant to be shared.
 */
export class Flight {
  private waiters: Array<(shared: Shared | undefined) => void> = []
  private settled = false

  constructor(
    readonly key: string,
    private readonly release: (flight: Flight) => void,
  ) {}

  wait(timeoutMs: number): Promise<Shared | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // A leader this slow should not hold back later arrivals either.
        this.release(this)
        resolve(undefined)
      }, timeoutMs)
      this.waiters.push((shared) => {
        clearTimeout(timer)
        resolve(shared)
      })
    })
  }

  get waiting(): number {
    return this.waiters.length
  }

  settle(shared: Shared | undefined): void {
    if (this.settled) return
    this.settled = true
    this.release(this)
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w(shared)
  }
}

/** The in-flight misses of one cache, by key. Entries leave when their leader settles or times out. */
export class Flights {
  private readonly byKey = new Map<string, Flight>()
  private readonly releaseFn = (flight: Flight): void => {
    if (this.byKey.get(flight.key) === flight) this.byKey.delete(flight.key)
  }

  get(key: string): Flight | undefined {
    return this.byKey.get(key)
  }

  begin(key: string): Flight {
    const flight = new Flight(key, this.releaseFn)
    this.byKey.set(key, flight)
    return flight
  }

  get size(): number {
    return this.byKey.size
  }
}
