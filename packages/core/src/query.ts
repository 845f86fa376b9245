import { canonicalQuery, type ParameterFilter } from './canonical-query.js'
import { LarderOptionError, show } from './errors.js'

/**
 * How the query string takes part in the key:
 * - 'all' (default): every parameter; the order of distinct names is ignored unless a name holds
 *   '[' or '.' (qs reads `a[]` and `a` as one list) or does not decode;
 * - 'ignore': none (`/users?page=2` shares `/users`'s entry);
 * - { allow: [...] }: only these names;
 * - { deny: [...] }: all but these names; a trailing `*` matches a prefix (`utm_*`).
 */
export type QueryOption = 'all' | 'ignore' | { allow: readonly string[] } | { deny: readonly string[] }

/** The query's part of a key, from the raw query and the raw path before it. */
export type QueryNormaliser = (raw: string, path: string) => string

const EXAMPLE = `query: { deny: ['utm_*'] }`

function nameMatcher(names: readonly unknown[], option: string): (name: string) => boolean {
  const exact = new Set<string>()
  const prefixes: string[] = []
  for (const n of names) {
    if (typeof n !== 'string' || n === '') {
      throw new LarderOptionError(option, `option "${option}" must list parameter names as non-empty strings (for example ${EXAMPLE}); got ${show(n)}`)
    }
    if (n.endsWith('*')) prefixes.push(n.slice(0, -1))
    else exact.add(n)
  }
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p))
}

/**
 * Builds the query normaliser once at setup: queries share a key only when every supported parser
 * gives the handler the same parameters (see canonical-query.ts), so `?a=1&b=2` equals `?b=2&a=1`
 * while `?id=1&id=2` and `?id=2&id=1` (different arrays) stay apart.
 */
export function queryNormaliser(option: unknown, name = 'key.query'): QueryNormaliser {
  if (option === undefined || option === 'all') return (raw, path) => canonical(raw, path, undefined)
  if (option === 'ignore') return () => ''
  if (option !== null && typeof option === 'object' && !Array.isArray(option)) {
    const o = option as Record<string, unknown>
    const keys = Object.keys(o)
    if (keys.length === 1 && Array.isArray(o['allow'])) {
      const filter: ParameterFilter = { mode: 'allow', matches: nameMatcher(o['allow'], `${name}.allow`) }
      return (raw, path) => canonical(raw, path, filter)
    }
    if (keys.length === 1 && Array.isArray(o['deny'])) {
      const filter: ParameterFilter = { mode: 'deny', matches: nameMatcher(o['deny'], `${name}.deny`) }
      return (raw, path) => canonical(raw, path, filter)
    }
  }
  throw new LarderOptionError(
    name,
    `option "${name}" must be 'all', 'ignore', { allow: [names] } or { deny: [names] } (for example ${EXAMPLE}); got ${show(option)}`,
  )
}

// Fastify's router starts the query at a '#' in the path (Express then sees none): the pairs
// larder reads after '?' are not the ones the handler gets, so the query is kept as it came.
function canonical(raw: string, path: string, filter: ParameterFilter | undefined): string {
  return canonicalQuery(raw, filter, path.includes('#'))
}
