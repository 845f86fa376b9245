import type { Fill } from './fill.js'
import type { Mutation } from './mutation.js'
import type { CacheStats } from './stats.js'
import type { CacheEntry } from './types.js'

/** Replay `entry` (as a 304 without body when `notModified`); do not run the handler. */
export interface HitOutcome {
  readonly kind: 'hit'
  readonly entry: CacheEntry
  readonly notModified: boolean
  /** What the status header says (one of OUTCOME_LABELS: HIT, STALE, or MISS for a 504 to only-if-cached). */
  readonly label: string
}

/** Run the handler; feed its response to `fill` when there is one (none for HEAD). */
export interface MissOutcome {
  readonly kind: 'miss'
  readonly fill: Fill | undefined
  /**
   * The request leads a miss others may wait on: its handler must render the whole response, so
   * the adapter removes the request's conditional and range headers (`askForWholeResponse`, with
   * the fill's `validators` when it revalidates a stale entry) before the handler runs. (HTTP lets a
   * server answer such a request with a 200.)
   */
  readonly wholeResponse: boolean
  /** See `BypassOutcome.withdraw`; also abandons the fill, releasing anyone waiting on it. */
  withdraw(): void
}

/** Run the handler; the cache stays out of it. */
export interface BypassOutcome {
  readonly kind: 'bypass'
  readonly reason: string
  /**
   * For an adapter that may see one request in several larders (Express: a global one, then the
   * route's): this outcome was superseded by another larder's, and is taken back from the stats,
   * so the request is counted once.
   */
  withdraw(): void
}

/** Run the handler; call `mutation.complete(status)` and wait for it before sending. */
export interface MutationOutcome {
  readonly kind: 'mutation'
  readonly mutation: Mutation
}

/** Not a method the cache deals with. */
export interface PassOutcome {
  readonly kind: 'pass'
}

/** What the adapter does with a request. */
export type Outcome = HitOutcome | MissOutcome | BypassOutcome | MutationOutcome | PassOutcome

export const PASS: PassOutcome = { kind: 'pass' }

/**
 * What the `reasonHeader` says when the outcome is reached: a bypass's reason, 'head' for a HEAD's
 * miss (no body to store), 'stale' for a miss that revalidates a stale entry; undefined for
 * another GET's miss, whose reason is its fill's `refusal` once the response is refused.
 */
export function outcomeReason(outcome: MissOutcome | BypassOutcome): string | undefined {
  if (outcome.kind === 'bypass') return outcome.reason
  if (outcome.fill === undefined) return 'head'
  return outcome.fill.validators === undefined ? undefined : 'stale'
}

// The outcomes a cache counts or may be asked about (Cache.owns) carry the stats of the cache
// that reached them.

export class Miss implements MissOutcome {
  readonly kind = 'miss'
  constructor(
    readonly fill: Fill | undefined,
    readonly wholeResponse: boolean,
    /** @internal */ readonly owner: CacheStats,
  ) {}

  withdraw(): void {
    this.fill?.abandon()
    this.owner.misses--
  }
}

export class Bypass implements BypassOutcome {
  readonly kind = 'bypass'
  constructor(
    readonly reason: string,
    /** @internal */ readonly owner: CacheStats,
  ) {}

  withdraw(): void {
    this.owner.bypasses--
  }
}

export class Write implements MutationOutcome {
  readonly kind = 'mutation'
  constructor(
    readonly mutation: Mutation,
    /** @internal */ readonly owner: CacheStats,
  ) {}
}
