/**
 * Path handling for invalidation. The cache key keeps the path exactly as received; the index a
 * mutation invalidates by is normalised generously (case, percent-encoding, trailing slash), because
 * frameworks route `/Users/42/` and `/users/%34%32` to the same handler as `/users/42`. Normalising
 * too much only invalidates more; too little would leave stale data.
 */
export function indexPath(rawPath: string): string {
  let p = rawPath
  if (p.includes('%')) {
    try {
      p = decodeURIComponent(p)
    } catch {
      // A malformed escape cannot match a decoded route either; keep it verbatim.
    }
  }
  p = p.toLowerCase()
  if (p.includes('//')) p = p.replace(/\/{2,}/g, '/')
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  if (!p.startsWith('/')) p = '/' + p
  return p
}

/** The collection a resource belongs to: `/users/42` → `/users`. The root has no parent. */
export function parentPath(normalised: string): string | undefined {
  const i = normalised.lastIndexOf('/')
  if (i <= 0) return undefined
  return normalised.slice(0, i)
}

/** Splits a request target into path and raw query (without '?'). */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?')
  if (q === -1) return { path: url, query: '' }
  return { path: url.slice(0, q), query: url.slice(q + 1) }
}
