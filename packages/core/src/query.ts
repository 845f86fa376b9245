import { LarderOptionError, show } from './errors.js'

/**
 * How the query string takes part in the key:
 * - 'all' (default): every parameter, order of distinct names ignored;
 * - 'ignore': none (`/users?page=2` shares `/users`'s entry);
 * - { allow: [...] }: only these names;
 * - { deny: [...] }: all but these names; a trailing `*` matches a prefix (`utm_*`).
 */
export type QueryOption = 'all' | 'ignore' | { allow: readonly string[] } | { deny: readonly string[] }

export type QueryNormaliser = (raw: string) => string

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
 * Builds the query normaliser once at setup. Parameters are parsed the way frameworks parse them
 * ('+' is a space, percent-escapes decoded), so two spellings the handler cannot tell apart share an
 * entry; then sorted by name with a stable sort, so `?a=1&b=2` equals `?b=2&a=1` while `?id=1&id=2`
 * and `?id=2&id=1` (which a handler sees as different arrays) stay apart; then re-encoded, which is
 * injective, so requests the handler can tell apart never share a key.
 */
export function queryNormaliser(option: unknown, name = 'key.query'): QueryNormaliser {
  if (option === undefined || option === 'all') return (raw) => canonical(raw, undefined)
  if (option === 'ignore') return () => ''
  if (option !== null && typeof option === 'object' && !Array.isArray(option)) {
    const o = option as Record<string, unknown>
    const keys = Object.keys(o)
    if (keys.length === 1 && Array.isArray(o['allow'])) {
      const match = nameMatcher(o['allow'], `${name}.allow`)
      return (raw) => canonical(raw, match)
    }
    if (keys.length === 1 && Array.isArray(o['deny'])) {
      const match = nameMatcher(o['deny'], `${name}.deny`)
      return (raw) => canonical(raw, (n) => !match(n))
    }
  }
  throw new LarderOptionError(
    name,
    `option "${name}" must be 'all', 'ignore', { allow: [names] } or { deny: [names] } (for example ${EXAMPLE}); got ${show(option)}`,
  )
}

function canonical(raw: string, keep: ((name: string) => boolean) | undefined): string {
  if (raw === '') return ''
  const params = new URLSearchParams(raw)
  if (keep) {
    const drop: string[] = []
    for (const name of params.keys()) if (!keep(name)) drop.push(name)
    for (const name of drop) params.delete(name)
  }
  params.sort()
  return params.toString()
}
