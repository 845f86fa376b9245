import type { FastifyInstance } from 'fastify'

/**
 * Routes registered before the plugin loaded (`app.register(larderPlugin, …)` after the routes,
 * or without `await` before them) never pass larder's onRoute hook: they are neither cached nor
 * invalidate, and their `config.cache` is never validated. Fastify keeps route configs out of
 * reach until requests arrive, so such routes cannot be told apart from those of a plugin
 * registered earlier on purpose (a docs UI, say): larder warns, with the routes and the fix,
 * rather than failing startup.
 */
export function warnAboutEarlierRoutes(fastify: FastifyInstance): void {
  let tree: string
  try {
    tree = fastify.printRoutes({ commonPrefix: false })
  } catch {
    return
  }
  const prefix = fastify.prefix
  const routes: string[] = []
  for (const line of tree.split('\n')) {
    // `├── /users/:id (GET, HEAD)`, with tree drawing before the path.
    const m = /(\/\S*) \(([A-Z, ]+)\)\s*$/.exec(line)
    if (m === null || !m[1]!.startsWith(prefix)) continue
    routes.push(`${m[2]!.replace(/, /g, ',')} ${m[1]}`)
  }
  if (routes.length === 0) return
  const shown = routes.slice(0, 5).join('; ') + (routes.length > 5 ? `; and ${routes.length - 5} more` : '')
  process.emitWarning(
    `${routes.length} route(s) were registered before the larder plugin loaded (${shown}), so larder neither caches them nor lets their writes invalidate, and ignores their config.cache. Register the plugin before declaring routes, and await it: await app.register(larderPlugin, { cache }). Routes of a plugin registered earlier on purpose stay outside larder.`,
    { code: 'LARDER_PLUGIN_AFTER_ROUTES' },
  )
}
