/**
 * The query string as it takes part in a key. Two query strings get the same canonical form only
 * when every supported parser hands the handler the same parameters for both: Fastify's default
 * (fast-querystring behind its router), Express's 'simple' (node:querystring) and 'extended' (qs),
 * on Express 4 and 5. Within that rule it normalises what it safely can: spellings that decode
 * alike (`%69d` and `id`, `+` and `%20`), `a` and `a=`, empty pairs, and the order of parameters
 * filed under different top-level names.
 */

/** Which parameters a `key.query` option keeps, by the names they may be filed under. */
export interface ParameterFilter {
  /** 'allow': keep a parameter if any of its names matches; 'deny': drop it only if all of them match. */
  mode: 'allow' | 'deny'
  matches(name: string): boolean
}

// A pair whose name and value are made of the characters encodeURIComponent leaves alone: they read
// the same decoded, and the pair is its own canonical form.
const PLAIN_PAIR = /^[\w\-.!~*'()]*(?:=[\w\-.!~*'()]*)?$/
// Express re-reads a URL holding any of these with url.parse, which drops a fragment and trims the
// end, so the query its handlers see is no longer the text after '?'. Fastify does not.
const REREAD = /[#\s]/
// node:querystring and qs read the first 1,000 pairs (empty ones included) and drop the rest:
// past that, which pairs a handler sees depends on their order.
const MAX_PAIRS = 1000
// qs splits a pair at its first ']=' when it has one, so in `a=b]=c` it reads the name `a=b]`
// where the others read `a`; '%5D' counts, since qs turns it into ']' before splitting.
const QS_SPLIT = /(?:\]|%5d)=/i
// Finding that a component does not decode costs an exception: past a few, a crafted query would
// cost milliseconds, and the query as received is as good a key.
const MAX_UNDECODABLE = 8

interface Parameter {
  readonly text: string
  /** A prefix of every top-level name a parser may file it under (parameters of different groups
   *  commute); undefined when that is not known. */
  readonly group: string | undefined
}

/** The canonical form of a raw query; `asReceived` keeps it verbatim (still injective). */
export function canonicalQuery(raw: string, filter: ParameterFilter | undefined, asReceived = false): string {
  if (raw === '') return ''
  if (asReceived) return verbatim(raw)
  const params: Parameter[] = []
  let reorder = true
  let pairs = 0
  let undecodable = 0
  for (let start = 0; start <= raw.length; start++) {
    let end = raw.indexOf('&', start)
    if (end === -1) end = raw.length
    if (++pairs > MAX_PAIRS) return verbatim(raw)
    const pair = raw.slice(start, end)
    start = end
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const rawName = eq === -1 ? pair : pair.slice(0, eq)
    if (PLAIN_PAIR.test(pair)) {
      const group = groupOf(rawName)
      if (group === undefined) reorder = false
      else if (filter !== undefined && !kept(filter, rawName, group)) continue
      params.push({ text: eq === -1 ? pair + '=' : pair, group })
      continue
    }
    // Only a pair with other characters can hold a '#', whitespace or qs's ']='.
    if (REREAD.test(pair)) return verbatim(raw)
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1)
    if (rawValue.includes('=') && QS_SPLIT.test(rawValue)) return verbatim(raw)
    const name = decode(rawName)
    const group = name === undefined ? undefined : groupOf(name)
    if (group !== undefined && filter !== undefined && !kept(filter, name!, group)) continue
    const value = decode(rawValue)
    if (name === undefined || value === undefined) {
      if (++undecodable > MAX_UNDECODABLE) return verbatim(raw)
      // node:querystring decodes a pair with a part that does not decode according to how its other
      // part is spelt (`%69x]=ü%2` and `%69x%5D=ü%2` get different values): such a pair is kept
      // whole as received, equal only to itself, in its place.
      reorder = false
      params.push({ text: component(rawName, undefined) + '=' + component(rawValue, undefined), group: undefined })
      continue
    }
    if (group === undefined) reorder = false
    params.push({ text: component(rawName, name) + '=' + component(rawValue, value), group })
  }
  if (params.length === 1) return params[0]!.text
  if (reorder) sortByGroup(params)
  let out = params[0]?.text ?? ''
  for (let i = 1; i < params.length; i++) out += '&' + params[i]!.text
  return out
}

// Past this many parameters, insertion sort's quadratic worst case would let a crafted query
// cost milliseconds.
const INSERTION_SORT_MAX = 16

/** A stable sort; insertion sort for the few parameters a query usually has, often in order already. */
function sortByGroup(params: Parameter[]): void {
  if (params.length > INSERTION_SORT_MAX) {
    params.sort((a, b) => (a.group! < b.group! ? -1 : a.group! > b.group! ? 1 : 0))
    return
  }
  for (let i = 1; i < params.length; i++) {
    const p = params[i]!
    let j = i - 1
    while (j >= 0 && params[j]!.group! > p.group!) {
      params[j + 1] = params[j]!
      j--
    }
    params[j + 1] = p
  }
}

/**
 * A component as every parser decodes it: '+' is a space, then percent-escapes as UTF-8. Undefined
 * when that decoding fails: the parsers then disagree (node:querystring substitutes U+FFFD, the
 * others keep the text as it came), so such a component is only ever equal to itself.
 */
function decode(s: string): string | undefined {
  const spaced = s.includes('+') ? s.replace(/\+/g, ' ') : s
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    return undefined
  }
}

/**
 * A component's text in the key: the decoded value re-encoded (injective, and never '|', '&', '='
 * or '$'), or, when it does not decode, '$' and the component as received, encoded.
 */
function component(raw: string, decoded: string | undefined): string {
  return decoded === undefined ? '$' + encode(raw) : encode(decoded)
}

/**
 * The prefix of a name before its first '[' or '.': qs files `a[]`, `a[b]` (and, with `allowDots`,
 * `a.b`) under `a`, which must then keep its order relative to them. Undefined for a name starting
 * with one of them (qs files `[a]` under `a`) or one that does not decode (parsers file it under
 * different names): the order of such a query's parameters is kept as it came.
 */
function groupOf(name: string): string | undefined {
  const bracket = name.indexOf('[')
  const dot = name.indexOf('.')
  const cut = bracket === -1 ? dot : dot === -1 ? bracket : Math.min(bracket, dot)
  if (cut === -1) return name
  return cut === 0 ? undefined : name.slice(0, cut)
}

// Judged on every top-level name a parser may file the parameter under: the name itself, qs's
// prefix before '[', and the group. (A parameter whose names are unknown is always kept.)
function kept(filter: ParameterFilter, name: string, group: string): boolean {
  const { matches } = filter
  let some = matches(name)
  let every = some
  if (group !== name) {
    const bracket = name.indexOf('[')
    for (const n of bracket === -1 ? [group] : [name.slice(0, bracket), group]) {
      const m = matches(n)
      some ||= m
      every &&= m
    }
  }
  return filter.mode === 'allow' ? some : !every
}

/** The query as received, for queries the parsers read differently from their pairs: equal only to itself. */
function verbatim(raw: string): string {
  return '$$' + encode(raw)
}

function encode(s: string): string {
  try {
    return encodeURIComponent(s)
  } catch {
    // A lone surrogate, which no HTTP request carries: written as %u and its code, which no
    // percent-escape spells.
    let out = ''
    for (const c of s) out += c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '%u' + c.charCodeAt(0).toString(16) : encodeURIComponent(c)
    return out
  }
}
