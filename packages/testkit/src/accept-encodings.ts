import fc from 'fast-check'

// Each weight has spellings the RFC reads alike; the last group holds qvalues outside its grammar.
const WEIGHTS: ReadonlyArray<ReadonlyArray<string | undefined>> = [
  [undefined, '1', '1.0', '1.000', '1.'],
  ['0', '0.0', '0.000', '0.'],
  ['0.5', '0.50', '0.500'],
  ['0.8', '0.80'],
  ['0.001'],
  ['2', '0.5x', 'abc', '.5', '0.0001', '', '-1'],
]
const CODINGS = ['gzip', 'deflate', 'br', 'identity', '*', 'x-gzip', 'zstd', 'compress']

interface Element {
  coding: string
  /** Index into WEIGHTS. */
  weight: number
}

function rarely<A, B>(usual: fc.Arbitrary<A>, odd: fc.Arbitrary<B>): fc.Arbitrary<A | B> {
  return fc.oneof({ weight: 15, arbitrary: usual }, { weight: 1, arbitrary: odd })
}

// Mostly what clients send, with the RFC's optional whitespace and case, and now and then what it
// does not allow: an upper-case Q (allowed by the RFC, misread by negotiator), whitespace around
// "=", a stray parameter, a space inside the element.
const spelling = fc.record({
  spelling: fc.nat(9),
  case: fc.constantFrom('lower', 'lower', 'upper', 'title'),
  beforeSemi: fc.constantFrom('', '', ' ', '\t'),
  afterSemi: fc.constantFrom('', '', ' '),
  q: rarely(fc.constant('q'), fc.constant('Q')),
  oddity: rarely(fc.constant('none'), fc.constantFrom('spaced-equals', 'parameter', 'inner-space')),
  separator: fc.constantFrom(',', ', ', ', ', ' , ', ',,', ', ,'),
})
type Spelling = typeof spelling extends fc.Arbitrary<infer T> ? T : never

function cased(coding: string, how: Spelling['case']): string {
  if (how === 'upper') return coding.toUpperCase()
  if (how === 'title') return coding.charAt(0).toUpperCase() + coding.slice(1)
  return coding
}

function render(elements: readonly Element[], spellings: readonly Spelling[]): string {
  return elements
    .map((e, i) => {
      const s = spellings[i]!
      const weights = WEIGHTS[e.weight]!
      const q = weights[s.spelling % weights.length]
      let text = cased(e.coding, s.case)
      if (s.oddity === 'inner-space') text += ' x'
      if (q !== undefined) text += `${s.beforeSemi};${s.afterSemi}${s.q}${s.oddity === 'spaced-equals' ? ' = ' : '='}${q}`
      if (s.oddity === 'parameter') text += ';level=1'
      return (i === 0 ? '' : s.separator) + text
    })
    .join('')
}

const element = fc.record({ coding: fc.constantFrom(...CODINGS), weight: rarely(fc.constantFrom(0, 0, 0, 0, 1, 2, 3, 4), fc.constant(WEIGHTS.length - 1)) })

/**
 * Pairs of Accept-Encoding values (undefined: no header) for testing what a variant key may merge:
 * mostly the same codings and weights spelt two ways, in another order; sometimes with a coding
 * reweighted, dropped or added; sometimes absent or empty.
 */
export const acceptEncodingPairs: fc.Arbitrary<[string | undefined, string | undefined]> = fc.oneof(
  { weight: 12, arbitrary: sameCodingsTwoWays() },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(undefined, '', ' ', ','), fc.constantFrom(undefined, '', 'identity', 'gzip', ',')) },
)

function sameCodingsTwoWays(): fc.Arbitrary<[string, string]> {
  return fc.array(element, { minLength: 1, maxLength: 4 }).chain((elements) =>
    fc
      .tuple(
        fc.shuffledSubarray(elements, { minLength: elements.length, maxLength: elements.length }),
        fc.array(spelling, { minLength: elements.length + 1, maxLength: elements.length + 1 }),
        fc.array(spelling, { minLength: elements.length + 1, maxLength: elements.length + 1 }),
        fc.constantFrom('none', 'none', 'none', 'reweight', 'drop', 'add'),
        element,
      )
      .map(([reordered, first, second, change, other]): [string, string] => {
        let b = reordered
        if (change === 'reweight') b = [{ ...b[0]!, weight: other.weight }, ...b.slice(1)]
        else if (change === 'drop' && b.length > 1) b = b.slice(1)
        else if (change === 'add') b = [...b, other]
        return [render(elements, first), render(b, second)]
      }),
  )
}
