import { isUnsafeMethod, type ResolvedRoute } from '@larder/core/adapter'
import { larderOptions } from './route-options.js'

/**
 * Two Express mistakes that leave larder silently out of the way, told once per app when a larder
 * first sees one of its requests (the router is walked once then, not per request):
 * - `app.use(larder(cache))` after routes: Express runs middleware and routes in order, so the
 *   routes before it are neither cached nor invalidate;
 * - a write route that no larder sees next to a cached GET on the same resource (its item or its
 *   collection): after the write, the GET keeps answering the old entry until it expires.
 * A larder placed after every route is reached only by requests no route answered (a 404, a
 * browser's /favicon.ico), so the first warning comes from the first of those.
 */

interface Layer {
  route?: Route
  handle?: unknown
}

interface Route {
  path?: unknown
  methods?: Record<string, boolean>
  stack?: readonly Layer[]
}

type Router = { stack?: unknown }
type App = { _router?: Router; router?: Router }

const checked = new WeakSet<object>()

/** Whether a route answers an unsafe method (Express keeps its methods lower-case; `_all` is app.all). */
function isWriteRoute(methods: Record<string, boolean>): boolean {
  for (const m in methods) if (methods[m] === true && (m === '_all' || isUnsafeMethod(m.toUpperCase()))) return true
  return false
}

type Warn = (message: string, code: string) => void

/** Runs the checks for `app` once; `middleware` is the larder that saw the request. */
export function checkPlacement(app: object | undefined, middleware: object, warn: Warn = defaultWarn): void {
  if (app === undefined || checked.has(app)) return
  checked.add(app)
  let stack: readonly Layer[] | undefined
  try {
    // Express 4 keeps its router in app._router (its app.router getter throws); Express 5 in app.router.
    const router = (app as App)._router ?? (app as App).router
    stack = Array.isArray(router?.stack) ? (router.stack as Layer[]) : undefined
  } catch {
    return
  }
  if (stack === undefined) return
  routesBefore(stack, middleware, warn)
  unseenWrites(stack, warn)
}

// Node's warning channel, as Express and Fastify use for their own: printed once to stderr by
// default, and an application can route or silence it (process.on('warning'), --no-warnings).
function defaultWarn(message: string, code: string): void {
  process.emitWarning(message, { code })
}

function describe(route: Route): string {
  const methods = Object.keys(route.methods ?? {})
    .filter((m) => route.methods![m] === true && m !== '_all')
    .map((m) => m.toUpperCase())
  return `${methods.join(',') || 'ALL'} ${String(route.path)}`
}

/** Routes directly in the app's stack (or in routers mounted there) ahead of a global larder. */
function routesBefore(stack: readonly Layer[], middleware: object, warn: Warn): void {
  const at = stack.findIndex((layer) => layer.handle === middleware)
  if (at <= 0) return
  const early: string[] = []
  for (const layer of stack.slice(0, at)) collectRoutes(layer, early, 0)
  if (early.length === 0) return
  const shown = early.slice(0, 5).join(', ') + (early.length > 5 ? `, and ${early.length - 5} more` : '')
  warn(
    `app.use(larder(cache)) comes after ${early.length} route(s) (${shown}). Express runs middleware in order, so larder neither caches those routes nor lets their writes invalidate. Move app.use(larder(cache)) above the routes it should cover.`,
    'LARDER_AFTER_ROUTES',
  )
}

function collectRoutes(layer: Layer, into: string[], depth: number): void {
  if (layer.route !== undefined) into.push(describe(layer.route))
  else if (depth < 8 && larderOptions(layer.handle) === undefined) for (const inner of nested(layer)) collectRoutes(inner, into, depth + 1)
}

function nested(layer: Layer): readonly Layer[] {
  const inner = (layer.handle as Router | undefined)?.stack
  return Array.isArray(inner) ? (inner as Layer[]) : []
}

/**
 * Walks each router's stack in order, knowing whether a larder middleware ran ahead (in it or in a
 * router that contains it). A route is seen by larder when one ran ahead or its own handlers
 * include one. Routes are compared by declared path within one router: a mount prefix cannot be
 * read back from Express 5's layers, and a resource's GET and its writes nearly always share one.
 */
function unseenWrites(stack: readonly Layer[], warn: Warn, covered = false, depth = 0): void {
  const cachedGets: string[] = []
  const unseen: Array<{ path: string; label: string }> = []
  let ahead = covered
  for (const layer of stack) {
    const route = layer.route
    if (route === undefined) {
      const options = larderOptions(layer.handle)
      if (options !== undefined) ahead ||= options.enabled
      else if (depth < 8 && nested(layer).length > 0) unseenWrites(nested(layer), warn, ahead, depth + 1)
      continue
    }
    if (typeof route.path !== 'string') continue
    const own = (route.stack ?? []).map((l) => larderOptions(l.handle)).filter((o): o is ResolvedRoute => o !== undefined)
    const methods = route.methods ?? {}
    const cached = own.length > 0 ? own[own.length - 1]!.enabled : ahead
    if ((methods['get'] === true || methods['_all'] === true) && cached) cachedGets.push(route.path)
    // A write route with a larder of its own, even larder(cache, false), was seen and decided.
    if (!ahead && own.length === 0 && isWriteRoute(methods)) unseen.push({ path: route.path, label: describe(route) })
  }
  for (const write of unseen) {
    const get = cachedGets.find((path) => sameResource(path, write.path))
    if (get === undefined) continue
    warn(
      `larder does not see ${write.label}: it runs without larder, next to the cached GET ${get}: after it succeeds, GET ${get} keeps answering the old entry until it expires. Give the write route larder too, for example app.${write.label.split(',')[0]!.split(' ')[0]!.toLowerCase()}('${write.path}', larder(cache, { invalidates: [...] }), handler), or use app.use(larder(cache)) above your routes.`,
      'LARDER_UNSEEN_WRITE',
    )
  }
}

/** The same path, or one is the other's collection (`/users` and `/users/:id`). */
function sameResource(a: string, b: string): boolean {
  const trim = (p: string) => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)
  const x = trim(a)
  const y = trim(b)
  return x === y || parent(x) === y || parent(y) === x
}

function parent(path: string): string | undefined {
  const slash = path.lastIndexOf('/')
  if (slash <= 0) return path.length > 1 ? '/' : undefined
  return path.slice(0, slash)
}
