import type { RouteOptions } from '@larder/core/adapter'
import type { FastifyRequest, RouteGenericInterface } from 'fastify'
import type { RouteCacheConfig } from './plugin.js'

/**
 * A route's `config.cache`, with its functions typed by the route's generic:
 * `app.get<R>(path, { config: { cache: cacheRoute<R>({ tags: (req) => [`user:${req.params.id}`] }) } }, handler)`.
 *
 * `config.cache` is declared on `FastifyContextConfig`, an interface shared by every route, so it
 * cannot see a route's `Params`, `Querystring` or `Headers`: written inline, its functions receive
 * a request whose `params` is `unknown`. This names the route's types once more, where TypeScript
 * can use them. It returns its argument; the plugin validates it when the route is registered.
 */
export function cacheRoute<R extends RouteGenericInterface = RouteGenericInterface>(options: RouteOptions<FastifyRequest<R>>): RouteCacheConfig {
  // The functions only ever receive the request of the route they are registered on, which has R's types.
  return options as RouteOptions<FastifyRequest>
}
