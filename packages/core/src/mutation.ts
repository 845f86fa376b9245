import type { EngineContext } from './context.js'
import { isPromise } from './deadline.js'
import { tagsFor, type ResolvedRoute } from './options.js'
import { parentPath } from './paths.js'
import type { InvalidationTargets, Logger, RequestInfo } from './types.js'

/**
 * An unsafe request (POST/PUT/PATCH/DELETE) whose success invalidates what it changed. The adapter
 * calls `complete(status)` when the status is known and holds the response until the returned
 * promise settles, so a client that has its 2xx and then reads never sees the old entry.
 */
export class Mutation {
  constructor(
    private readonly ctx: EngineContext,
    private route: ResolvedRoute,
    private readonly info: RequestInfo,
    private readonly path: string,
    private readonly logger: Logger | undefined,
  ) {}

  retarget(route: ResolvedRoute): void {
    this.route = route
  }

  /** Undefined when there is nothing to wait for (a failed mutation invalidates nothing). */
  complete(status: number): Promise<void> | undefined {
    if (status < 200 || status >= 400 || !this.route.enabled) return undefined
    const paths = [this.path]
    if (this.route.invalidateParent) {
      const parent = parentPath(this.path)
      if (parent !== undefined) paths.push(parent)
    }
    const targets: InvalidationTargets = { paths }
    try {
      const tags = tagsFor(this.route.invalidates, this.info.raw, 'invalidates')
      if (tags.length > 0) targets.tags = tags
    } catch (e) {
      this.ctx.report(e, { op: 'invalidates' }, this.logger)
    }
    return runInvalidation(this.ctx, targets, this.logger).then(
      () => undefined,
      () => undefined,
    )
  }
}

/** Invalidates and counts; rejects on store failure after reporting it. */
export async function runInvalidation(ctx: EngineContext, targets: InvalidationTargets, logger: Logger | undefined): Promise<number> {
  ctx.counters.invalidations++
  try {
    const result = ctx.call('invalidate', () => ctx.store.invalidate(targets))
    const removed = isPromise(result) ? await result : result
    ctx.counters.invalidatedEntries += removed
    return removed
  } catch (e) {
    ctx.report(e, { op: 'invalidate' }, logger)
    ctx.missedInvalidation(targets)
    throw e
  }
}
