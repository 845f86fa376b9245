import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCache, type QueryOption, type RequestInfo } from '@larder/core'
import { handlerView, queryParsers } from '@larder/testkit'

// The rule every key must keep: two URLs share a key only if every supported framework and setting
// hands the handler the same query. Checked against the real parsers, loaded from each
// framework's own dependencies.
const parsers = queryParsers()

function keyFor(option: QueryOption): (url: string) => string {
  const route = createCache({ namespace: 'ns', key: { host: false, query: option } }).route()
  return (url) => route.target({ method: 'GET', url, headers: {}, host: undefined, raw: {} } satisfies RequestInfo).key
}

// What the handler reads under a key.query option: the top-level names it keeps.
function visible(option: QueryOption, query: unknown): string {
  if (typeof option === 'string' || query === null || typeof query !== 'object') return handlerView(query)
  const pattern = (n: string) => (n.endsWith('*') ? (name: string) => name.startsWith(n.slice(0, -1)) : (name: string) => name === n)
  const listed = 'allow' in option ? option.allow.map(pattern) : option.deny.map(pattern)
  const shown = Object.fromEntries(Object.entries(query).filter(([name]) => listed.some((m) => m(name)) === 'allow' in option))
  return handlerView(shown)
}

function disagreement(option: QueryOption, a: string, b: string): string | undefined {
  for (const p of parsers) {
    const [va, vb] = [visible(option, p.parse(a)), visible(option, p.parse(b))]
    if (va !== vb) return `${p.name}: ${a} → ${va}, ${b} → ${vb}`
  }
  return undefined
}

// Pieces an attacker would combine: escapes (invalid UTF-8 and encoded surrogates too), '+', qs's
// brackets and dots, names spelled two ways, separators and fragments.
const pieces = [
  'a', 'b', 'id', '%69d', '%69', 'A', '1', '2', '=', '&', '&&', ';', '+', '%20', '%2B', '%25', '%', '%2', '%3D', '%26',
  '[', ']', '%5B', '%5D', '%5b', '[]', '[b]', '[0]', '.', '%2E', '%FE', '%FC', '%C3%BC', '%C3', '%ED%A0%80', '%EF%BF%BD',
  '#', '%23', '?', '__proto__', 'x', '\u00fc', ']=', '%5D=', '%25FE',
]
const query = fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((p) => p.join(''))
const path = fc.constantFrom('/p', '/p', '/p', '/p#x', '/p#')

// Spellings of one piece that may or may not mean the same: the property decides.
const respell: Array<[RegExp, string[]]> = [
  [/a/g, ['%61', 'A']],
  [/i/g, ['%69', '%49']],
  [/\+/g, ['%20', '%2B', ' ']],
  [/\[/g, ['%5B', '%5b']],
  [/]/g, ['%5D']],
  [/%5B/gi, ['[']],
  [/%FE/g, ['%FC', '%EF%BF%BD', '%25FE']],
  [/=/g, ['', '==', '=', '%3D']],
  [/\./g, ['%2E', '[']],
]

/** A URL with the same pairs as `url`, reordered and partly respelt. */
const variant = (url: string) =>
  fc.tuple(fc.array(fc.nat(), { minLength: 12, maxLength: 12 }), fc.array(fc.tuple(fc.nat({ max: respell.length - 1 }), fc.nat(3)), { maxLength: 3 }), fc.boolean()).map(([order, edits, empties]) => {
    const q = url.indexOf('?')
    if (q === -1) return url
    const pairs = url.slice(q + 1).split('&')
    const shuffled = pairs.map((p, i) => [order[i % order.length]! + i / 100, p] as const).sort((x, y) => x[0] - y[0]).map(([, p]) => p)
    let text = shuffled.join(empties ? '&&' : '&')
    for (const [e, first] of edits) {
      const [pattern, to] = respell[e]!
      let n = first
      text = text.replace(pattern, (m) => to[n++ % to.length] ?? m)
    }
    return url.slice(0, q + 1) + text
  })

const url = fc.tuple(path, query).map(([p, q]) => `${p}?${q}`)
const options: QueryOption[] = ['all', { allow: ['a', 'id'] }, { deny: ['b*', 'x'] }]

describe('query keys against the frameworks’ own parsers', () => {
  for (const option of options) {
    const key = keyFor(option)
    const label = JSON.stringify(option)

    it(`share a key only when every parser gives the handler the same query (${label}, variants, fuzzed)`, () => {
      let shared = 0
      fc.assert(
        fc.property(url.chain((u) => fc.tuple(fc.constant(u), variant(u))), ([a, b]) => {
          if (key(a) !== key(b)) return
          shared++
          expect(disagreement(option, a, b), `${a} and ${b} share ${key(a)}`).toBeUndefined()
        }),
        { numRuns: 4000 },
      )
      // The normalisation still does its work: many respelt or reordered URLs share their key.
      expect(shared).toBeGreaterThan(400)
    })

    it(`share a key only when every parser gives the handler the same query (${label}, any two, fuzzed)`, () => {
      fc.assert(
        fc.property(fc.array(url, { minLength: 2, maxLength: 40 }), (urls) => {
          const byKey = new Map<string, string>()
          for (const u of urls) {
            const first = byKey.get(key(u))
            if (first === undefined) byKey.set(key(u), u)
            else expect(disagreement(option, first, u), `${first} and ${u} share ${key(u)}`).toBeUndefined()
          }
        }),
        { numRuns: 1500 },
      )
    })
  }

  it('keep apart what one parser tells apart', () => {
    const key = keyFor('all')
    const apart: Array<[string, string]> = [
      ['/p?city=M%FEnchen', '/p?city=M%FCnchen'], // invalid UTF-8: node:querystring says U+FFFD for both, the others keep the text
      ['/p?%69x]=ü%2', '/p?%69x%5D=ü%2'], // node:querystring reads the value differently by how the name is spelt (found by the fuzz)
      ['/p?a=%FE', '/p?a=%25FE'], // the same text for Fastify and qs, U+FFFD for node:querystring
      ['/p?ids=1&ids[]=2', '/p?ids[]=2&ids=1'], // qs: ['1', '2'] and ['2', '1']
      ['/p?[a]=1&a=2', '/p?a=2&[a]=1'], // qs files [a] under a
      ['/p?a=b%5D=c', '/p?a=b]%3Dc'], // qs splits the first at ']=': { 'a=b]': 'c' }
      ['/p?x=1#y', '/p?x=1%23y'], // Express drops the fragment, Fastify does not
      ['/p#x?a=1&b=2', '/p#x?b=2&a=1'], // Fastify's query starts at '#': { 'x?a': '1', b: '2' }
      ['/p?=', '/p'], // an empty name: Fastify and node:querystring read { '': '' }
    ]
    for (const [a, b] of apart) {
      expect(key(a), `${a} vs ${b}`).not.toBe(key(b))
      expect(disagreement('all', a, b), `${a} vs ${b}`).toBeDefined()
    }
    // No supported setting reads these two apart, but qs with `allowDots` (a common custom query
    // parser) files a.b under a.
    expect(key('/p?a.b=1&a=2')).not.toBe(key('/p?a=2&a.b=1'))
  })

  it('share what every parser reads alike', () => {
    const key = keyFor('all')
    const alike: Array<[string, string]> = [
      ['/p?a=1&b=2', '/p?b=2&a=1'],
      ['/p?%69d=1', '/p?id=1'],
      ['/p?a=%C3%BC', '/p?a=%c3%bc'],
      ['/p?a=+', '/p?a=%20'],
      ['/p?a', '/p?a='],
      ['/p?a=1&&b=2&', '/p?b=2&a=1'],
      ['/p?a[]=1&b=2&a[]=3', '/p?b=2&a[]=1&a[]=3'],
      ['/p?filter[x]=1&page=2', '/p?page=2&filter[x]=1'],
      ['/p?a=1;b', '/p?a=1%3Bb'],
    ]
    for (const [a, b] of alike) {
      expect(disagreement('all', a, b), `${a} vs ${b}`).toBeUndefined()
      expect(key(a), `${a} vs ${b}`).toBe(key(b))
    }
  })

  it('order many parameters as they order few', () => {
    const key = keyFor('all')
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`)
    const many = (ns: string[], extra: string) => `/p?${ns.map((n) => `${n}=1`).join('&')}&${extra}`
    const [a, b] = [many(names, 'ids=1&ids[]=2'), many([...names].reverse(), 'ids=1&ids[]=2')]
    expect(disagreement('all', a, b)).toBeUndefined()
    expect(key(a)).toBe(key(b))
    const [c, d] = [many(names, 'ids=1&ids[]=2'), many([...names].reverse(), 'ids[]=2&ids=1')]
    expect(disagreement('all', c, d)).toBeDefined()
    expect(key(c)).not.toBe(key(d))
    // Many components that do not decode: the query is kept as received.
    const [e, f] = [many(names, 'x=%FE&'.repeat(12) + 'y=%FC'), many(names, 'x=%FE&'.repeat(12) + 'y=%FE')]
    expect(key(e)).not.toBe(key(f))
  })

  it('keep queries of more pairs than the parsers read apart by order', () => {
    const key = keyFor('all')
    for (const pairs of [999, 1000, 1001]) {
      const filler = 'z=0&'.repeat(pairs - 2)
      const [a, b] = [`/p?${filler}a=1&b=2`, `/p?${filler}b=2&a=1`]
      if (disagreement('all', a, b) !== undefined) expect(key(a), `${pairs} pairs`).not.toBe(key(b))
      else expect(key(a), `${pairs} pairs`).toBe(key(b))
    }
  })
})
