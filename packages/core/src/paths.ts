/**
 * Path handling for invalidation. The cache key keeps the path exactly as received; the index a
 * mutation invalidates by is the path the framework routes, normalised generously (case,
 * percent-encoding, trailing slash, matrix parameters), because frameworks route `/Users/42/`,
 * `/users/%34%32`, `http://host/users/42` and (Fastify's useSemicolonDelimiter) `/users/42;v=1`
 * to the same handler as `/users/42`. Normalising too much only invalidates more; too little would
 * leave stale data. The result is a path's *index path*: the path as invalidations name it, which
 * entries are stored and invalidated under.
 */
export function indexPath(rawPath: string): string {
  let p = routedPath(rawPath)
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p)
    } catch {
      // A malformed escape cannot match a decoded route either; keep it verbatim.
    }
  }
  // After decoding: Express routes `/users/42;x` and `/users/42%3Bx` to the same resource, and
  // Fastify with useSemicolonDelimiter routes the first to `/users/42`. Both frameworks end the
  // path at '#'. Cutting at either, encoded or not, keeps every spelling of a resource on one index.
  const end = pathEnd(p)
  if (end !== -1) p = p.slice(0, end)
  p = p.toLowerCase()
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/')
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  if (!p.startsWith('/')) p = '/' + p
  return p
}

function pathEnd(p: string): number {
  const semicolon = p.indexOf(';')
  const hash = p.indexOf('#')
  if (semicolon === -1) return hash
  return hash === -1 ? semicolon : Math.min(semicolon, hash)
}

// An absolute-form request target (`PUT http://host/users/42`, RFC 9112 §3.2.2): Node keeps it
// whole in req.url, and Express and Fastify route it by its path.
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i

/** The path of a request target as frameworks route it: an absolute-form target's scheme and authority removed. */
export function routedPath(rawPath: string): string {
  if (rawPath.charCodeAt(0) === 47 /* '/' */) return rawPath
  const authority = ABSOLUTE_FORM.exec(rawPath)
  if (authority === null) return rawPath
  return rawPath.slice(authority[0].length) || '/'
}

/** The collection an index path belongs to: `/users/42` → `/users`. The root has no parent. */
export function parentPath(path: string): string | undefined {
  const i = path.lastIndexOf('/')
  if (i <= 0) return undefined
  return path.slice(0, i)
}

/** Splits a request target into path and raw query (without '?'). */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?')
  if (q === -1) return { path: url, query: '' }
  return { path: url.slice(0, q), query: url.slice(q + 1) }
}
