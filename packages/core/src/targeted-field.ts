import type { CacheControl } from './headers.js'

// RFC 8941 §3.2: a dictionary member is a key, then optionally `=` and a bare item, then parameters.
const KEY = /^[a-z*][a-z0-9_\-.*]*$/
const INTEGER = /^-?\d{1,15}$/
const DECIMAL = /^-?\d{1,12}\.\d{1,3}$/
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/
const BYTES = /^:[A-Za-z0-9+/=]*:$/
const STRING = /^"(?:[^"\\\x00-\x1f\x7f]|\\["\\])*"$/

// The directives whose argument RFC 9213 §2.1 maps to an Integer; the rest take none (Boolean true).
const INTEGER_DIRECTIVES = new Set(['max-age', 's-maxage', 'stale-while-revalidate', 'stale-if-error'])

/**
 * A targeted cache-control field (RFC 9213: CDN-Cache-Control, larder's own) as directives, or
 * undefined when it is not a valid Structured Field dictionary or a known directive has an argument
 * of the wrong type (`max-age="60"`): RFC 9213 §2.1 has the cache ignore such a field and fall back
 * to Cache-Control. Stricter than Cache-Control, which accepts the quoted form.
 */
export function parseTargetedField(value: unknown): CacheControl | undefined {
  const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : undefined
  if (text === undefined || text.trim() === '') return undefined
  const out = new Map<string, string | true>()
  for (const raw of splitMembers(text)) {
    const member = raw.trim()
    // Parameters (`;a=1`) qualify an item; no directive larder reads has any.
    const semicolon = member.indexOf(';')
    const item = semicolon === -1 ? member : member.slice(0, semicolon)
    if (semicolon !== -1 && !validParameters(member.slice(semicolon + 1))) return undefined
    const eq = item.indexOf('=')
    const key = eq === -1 ? item : item.slice(0, eq)
    if (!KEY.test(key)) return undefined
    const arg = eq === -1 ? '?1' : item.slice(eq + 1)
    if (!bareItem(arg)) return undefined
    if (INTEGER_DIRECTIVES.has(key)) {
      if (!INTEGER.test(arg) || arg.startsWith('-')) return undefined
      out.set(key, arg)
    } else if (arg === '?1') out.set(key, true)
    else if (arg === '?0') out.delete(key)
    else out.set(key, arg)
  }
  return out.size === 0 ? undefined : out
}

/** Splits at the commas between members, not those inside a quoted string. */
function splitMembers(text: string): string[] {
  const members: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (c === ',' && !quoted) {
      members.push(text.slice(start, i))
      start = i + 1
    }
  }
  members.push(text.slice(start))
  return members
}

function bareItem(arg: string): boolean {
  return arg === '?0' || arg === '?1' || INTEGER.test(arg) || DECIMAL.test(arg) || TOKEN.test(arg) || BYTES.test(arg) || STRING.test(arg)
}

function validParameters(text: string): boolean {
  return text.split(';').every((p) => {
    const eq = p.indexOf('=')
    return KEY.test(eq === -1 ? p : p.slice(0, eq)) && (eq === -1 || bareItem(p.slice(eq + 1)))
  })
}
