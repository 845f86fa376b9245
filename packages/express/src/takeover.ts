import type { Cache, MaybePromise, Outcome, RequestInfo, ResolvedRoute } from '@larder/core/adapter'

/**
 * What a larder middleware reaches for a request an earlier larder middleware has handled already:
 * a global larder runs before routing, and the route's own larder, more specific, takes over from
 * it, so the request is cached once, by the route's options.
 *
 * - A read the earlier larder of the same cache is leading a miss for, under the key the route
 *   gives it too, is taken over as is: the fill switches to the route's options, and there is no
 *   second lookup. Any other earlier read outcome is withdrawn (un-counted, its fill abandoned) and
 *   this cache looks the request up by the route's options; a read is one cache's alone.
 * - A write: in the same cache, the route's options apply instead; with another cache, both caches
 *   invalidate, since each may hold entries the write changed.
 */
export function takeOver(cache: Cache, info: RequestInfo, route: ResolvedRoute, previous: Outcome): MaybePromise<Outcome> {
  const method = info.method
  const mine = cache.owns(previous)
  if (method === 'GET' || method === 'HEAD') {
    if (mine && previous.kind === 'miss' && previous.fill !== undefined && route.enabled && cache.keyOf(info, route) === previous.fill.key) {
      previous.fill.retarget(route)
      return previous
    }
    if (previous.kind === 'miss' || previous.kind === 'bypass') previous.withdraw()
    return cache.handle(info, route)
  }
  if (previous.kind === 'mutation' && mine) {
    previous.mutation.retarget(route)
    return previous
  }
  const outcome = cache.handle(info, route)
  if (previous.kind === 'mutation' && !(outcome instanceof Promise) && outcome.kind === 'mutation') outcome.mutation.alongside(previous.mutation)
  return outcome
}
