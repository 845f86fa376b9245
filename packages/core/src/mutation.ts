import { isPromise } from './deadline.js'
import { tagsFor, type ResolvedRoute } from './options.js'
import { indexPath, parentPath, routedPath, splitUrl } from './paths.js'
import type { Flights } from './single-flight.js'
import type { StoreGateway } from './store-gateway.js'
import type { InvalidationTargets, Logger, RequestInfo, ResponseHeaders } from './types.js'

/** The index path of what a Location-like header points to, if it is on the request's own origin. */
function sameOriginPath(value: unknown, info: RequestInfo): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  const base = `http://${info.host ?? 'origin.invalid'}`
  let url: URL
  try {
    url = new URL(value, base + routedPath(splitUrl(info.url).path))
  } catch {
    return undefined
  }
  if (url.host.toLowerCase() !== new URL(base).host.toLowerCase()) return undefined
  return indexPath(url.pathname)
}

/**
 * An unsafe request (any method but the safe ones, see isUnsafeMethod) whose success invalidates what it changed. The adapter
 * calls `complete(status)` when the status is known and holds the response until the returned
 * promise settles, so a client that has its 2xx and then reads never sees the old entry. Created
 * by `Cache.handle`; adapters use it as a type.
 */
export class Mutation {
  private readonly indexPath: string
  /** The same request's mutation in another cache, completed with this one (see `alongside`). */
  private other: Mutation | undefined = undefined

  /** @internal */
  constructor(
    private readonly gateway: StoreGateway,
    private readonly flights: Flights,
    private route: ResolvedRoute,
    private readonly info: RequestInfo,
    private readonly logger: Logger | undefined,
  ) {
    this.indexPath = indexPath(splitUrl(info.url).path)
  }

  /**
   * For an adapter that may see one request in two larders of the same cache (Express: a global
   * one, then the route's): the later one's route options apply instead.
   */
  retarget(route: ResolvedRoute): void {
    this.route = route
  }

  /**
   * For an adapter that may see one request in larders of two caches: `other`, the same request's
   * mutation in another cache, is completed with this one, since each cache may hold entries the
   * write changed.
   */
  alongside(other: Mutation): void {
    this.other = other
  }

  /**
   * Undefined when there is nothing to wait for (a failed mutation invalidates nothing).
   * `headers` are the response's: same-origin Location and Content-Location are invalidated too
   * (RFC 9111 §4.4).
   */
  complete(status: number, headers?: ResponseHeaders): Promise<void> | undefined {
    const own = this.completeHere(status, headers)
    const other = this.other?.complete(status, headers)
    if (other === undefined) return own
    if (own === undefined) return other
    return Promise.all([own, other]).then(() => undefined)
  }

  private completeHere(status: number, headers: ResponseHeaders | undefined): Promise<void> | undefined {
    if (status < 200 || status >= 400 || !this.route.enabled) return undefined
    const paths = [this.indexPath]
    if (this.route.invalidateParent) {
      const parent = parentPath(this.indexPath)
      if (parent !== undefined) paths.push(parent)
    }
    for (const name of ['location', 'content-location']) {
      const target = sameOriginPath(headers?.[name], this.info)
      if (target !== undefined && !paths.includes(target)) paths.push(target)
    }
    const targets: InvalidationTargets = { paths }
    try {
      const tags = tagsFor(this.route.invalidates, this.info.raw, 'invalidates')
      if (tags.length > 0) targets.tags = tags
    } catch (e) {
      this.gateway.report(e, { op: 'invalidates' }, this.logger)
    }
    return runInvalidation(this.gateway, this.flights, targets, this.logger).then(
      () => undefined,
      () => undefined,
    )
  }
}

/**
 * Invalidates and counts; rejects on store failure after reporting it. The store is asked even
 * while the breaker is open: a shared store this instance lately saw fail may be serving other
 * instances again, and only this call removes from it what the write changed before the write is
 * acknowledged. It still waits at most storeTimeout.
 */
export async function runInvalidation(gateway: StoreGateway, flights: Flights, targets: InvalidationTargets, logger: Logger | undefined): Promise<number> {
  const counters = gateway.counters
  counters.invalidations++
  try {
    const result = gateway.call('invalidate', () => gateway.store.invalidate(targets), undefined, undefined, true)
    const removed = isPromise(result) ? await result : result
    counters.invalidatedEntries += removed
    return removed
  } catch (e) {
    gateway.report(e, { op: 'invalidate' }, logger)
    gateway.missedInvalidation(targets)
    throw e
  } finally {
    // Only now: a miss begun before the store applied the invalidation could still be refused.
    flights.overtake(targets, gateway.seesEveryWrite)
  }
}
