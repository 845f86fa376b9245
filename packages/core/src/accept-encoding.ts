import type { HeaderValue } from './types.js'

/**
 * Accept-Encoding, read two ways: as RFC 9110 §12.5.3 defines it (which content codings a client
 * can decode), and as the compressors that answer it read it (which variant a request selects).
 * The two differ where the compressors stray from the RFC, so each has its own function here.
 */

/** One element of the header: a coding in lower case and its weight in thousandths (three decimals at most, §12.4.2). */
interface Weighted {
  readonly coding: string
  readonly q: number
}

interface AcceptEncoding {
  /** The elements in header order; undefined when the header does not follow the RFC's grammar. */
  readonly codings: readonly Weighted[] | undefined
  /** What the header contributes to a variant key (see normaliseAcceptEncoding). */
  readonly variant: string
}

// codings [ OWS ";" OWS "q=" qvalue ], the element already stripped of surrounding OWS. "q=" is
// case-insensitive, as every ABNF literal is; no whitespace is allowed around "=".
const ELEMENT = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]*;[ \t]*([qQ])=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?$/
const OWS_AROUND = /^[ \t]+|[ \t]+$/g

// Clients send a handful of distinct values, and a varying entry is looked up by its variant on
// every hit: each value is parsed once. Bounded in number and size, since clients choose them.
const PARSED = new Map<string, AcceptEncoding>()
const MAX_PARSED = 256
const MAX_REMEMBERED_LENGTH = 256

function parsed(value: string): AcceptEncoding {
  let result = PARSED.get(value)
  if (result === undefined) {
    result = parse(value)
    if (value.length <= MAX_REMEMBERED_LENGTH) {
      if (PARSED.size >= MAX_PARSED) PARSED.clear()
      PARSED.set(value, result)
    }
  }
  return result
}

function parse(value: string): AcceptEncoding {
  const codings: Weighted[] = []
  // Read the same way by the compressors only if every "q" is lower case (negotiator, behind
  // Express's compression, takes "Q=0" for an unknown parameter and the coding as wanted) and no
  // coding is listed twice (the compressors settle duplicates each their own way).
  let plain = true
  // RFC 9110 §5.6.1: empty list elements are ignored.
  for (const part of value.split(',')) {
    const element = part.replace(OWS_AROUND, '')
    if (element === '') continue
    const match = ELEMENT.exec(element)
    if (match === null) return { codings: undefined, variant: value }
    const coding = match[1]!.toLowerCase()
    if (match[2] === 'Q' || codings.some((c) => c.coding === coding)) plain = false
    codings.push({ coding, q: match[3] === undefined ? 1000 : thousandths(match[3]) })
  }
  return { codings, variant: plain ? canonical(codings) : value }
}

function thousandths(qvalue: string): number {
  if (qvalue[0] === '1') return 1000
  return Number((qvalue.slice(2) + '000').slice(0, 3))
}

// The order of codings means nothing to the RFC. negotiator uses it only to choose between equally
// weighted codings it has no preference among; of those Express's compression offers, that is
// deflate and identity. Sorted under one name, they keep their order relative to each other.
function sortName(coding: string): string {
  return coding === 'identity' ? 'deflate' : coding
}

function canonical(codings: readonly Weighted[]): string {
  const sorted = codings.slice().sort((a, b) => b.q - a.q || (sortName(a.coding) < sortName(b.coding) ? -1 : sortName(a.coding) > sortName(b.coding) ? 1 : 0))
  return sorted.map((c) => (c.q === 1000 ? c.coding : `${c.coding};q=${c.q === 0 ? '0' : `0.${String(c.q).padStart(3, '0')}`.replace(/0+$/, '')}`)).join(',')
}

/**
 * Accept-Encoding reduced to what can change the compressor's choice, for a variant key. Spellings
 * the RFC and the compressors (negotiator behind Express's compression, @fastify/compress) all
 * read alike share one value: case, whitespace, the order of codings as far as no compressor
 * looks at it, `q=1` left out, qvalues in their shortest form. `gzip, deflate, br` and
 * `br;q=1.000,GZIP , deflate` select the same variant. A value any of them reads differently (an
 * upper-case `Q`, a duplicate coding, anything outside the grammar) is kept exactly as sent, so it
 * never shares a variant with another value.
 */
export function normaliseAcceptEncoding(value: string): string {
  return parsed(value).variant
}

/** Canonical name of a content coding: RFC 9110 §8.4.1.3 has recipients treat x-gzip as gzip. */
function codingName(coding: string): string {
  return coding === 'x-gzip' ? 'gzip' : coding
}

/**
 * Whether a client whose request carries `acceptEncoding` can take content coded with `coding`
 * (lower case), by RFC 9110 §12.5.3: an explicit weight decides, then `*`, and a coding named by
 * neither is refused, except identity, which is refused only by a zero weight. A coding listed
 * twice is refused if either says q=0. Where the RFC leaves the decision to the server, a shared
 * cache must assume the least: without the header, or with one it cannot read exactly (a bad
 * qvalue, `q = 0`, a stray parameter), only identity is taken, though negotiator would read some
 * of those as wanting gzip. Refusing costs a cached response, never a broken one.
 */
export function acceptsCoding(acceptEncoding: string | readonly string[] | undefined, coding: string): boolean {
  const name = codingName(coding)
  const codings = acceptEncoding === undefined ? undefined : parsed(typeof acceptEncoding === 'string' ? acceptEncoding : acceptEncoding.join(',')).codings
  if (codings === undefined) return name === 'identity'
  let explicit = -1
  let wildcard = -1
  for (const c of codings) {
    const listed = codingName(c.coding)
    if (listed === name) explicit = explicit === -1 ? c.q : Math.min(explicit, c.q)
    else if (listed === '*') wildcard = wildcard === -1 ? c.q : Math.min(wildcard, c.q)
  }
  if (explicit !== -1) return explicit > 0
  if (wildcard !== -1) return wildcard > 0
  return name === 'identity'
}

/**
 * Whether a response with this Content-Encoding may be sent to a request carrying `acceptEncoding`:
 * every coding applied to it must be one the client takes. identity is no coding.
 */
export function acceptsContentEncoding(acceptEncoding: string | readonly string[] | undefined, contentEncoding: HeaderValue): boolean {
  const text = typeof contentEncoding === 'string' ? contentEncoding : contentEncoding.join(',')
  for (const part of text.split(',')) {
    const coding = part.replace(OWS_AROUND, '').toLowerCase()
    if (coding !== '' && coding !== 'identity' && !acceptsCoding(acceptEncoding, coding)) return false
  }
  return true
}
