import { describe, expect, it } from 'vitest'
import { countedRatio, countOf, judgedTarget, type Counted } from '../src/counting.js'

// Instruction counts judge the hit and miss targets: these are the rules the report applies to
// them, checked on made-up counts (nothing here measures or times anything).
const counted = (rounds: Record<string, number[]>): Counted => ({ perRound: new Map(Object.entries(rounds)), skipped: undefined })
const texts = { countText: 'by count', throughputText: 'by throughput' }

describe('judging targets on instruction counts', () => {
  it('takes the median round, which one round off the others cannot move', () => {
    const c = counted({ a: [110_000, 100_000, 101_000], b: [100_000, 100_000, 94_000] })
    expect(countOf(c, 'a')).toBe(101_000)
    expect(countOf(c, 'b')).toBe(100_000)
    expect(countOf(c, 'missing')).toBeNaN()
    expect(countOf({ skipped: 'quick run' }, 'a')).toBeNaN()
  })

  it('turns counts into a throughput ratio: fewer instructions than the reference is faster', () => {
    const c = counted({ ceiling: [100_000, 100_000, 100_000], larder: [105_000, 105_000, 105_000] })
    expect(countedRatio(c, 'larder', 'ceiling')).toBeCloseTo(100 / 105, 6)
    expect(countedRatio(c, 'ceiling', 'larder')).toBeCloseTo(1.05, 6)
  })

  it('judges on the counts when they were taken, whatever throughput says', () => {
    const c = counted({ x: [1] })
    const atLeast = judgedTarget('hit', 0.95, true, c, { byCount: 0.96, byThroughput: 0.8, ...texts })
    expect([atLeast.met, atLeast.detail]).toEqual([true, 'by count; by throughput'])
    expect(judgedTarget('hit', 0.95, true, c, { byCount: 0.94, byThroughput: 1.2, ...texts }).met).toBe(false)
    expect(judgedTarget('miss', 0.05, false, c, { byCount: 0.047, byThroughput: 0.2, ...texts }).met).toBe(true)
    expect(judgedTarget('miss', 0.05, false, c, { byCount: 0.06, byThroughput: 0.01, ...texts }).met).toBe(false)
  })

  it('falls back to throughput, saying why, when nothing was counted', () => {
    const skipped: Counted = { skipped: 'valgrind is not installed' }
    const t = judgedTarget('hit', 0.95, true, skipped, { byCount: Number.NaN, byThroughput: 0.97, ...texts })
    expect(t.met).toBe(true)
    expect(t.detail).toBe('by throughput (judged on throughput: instructions not counted, valgrind is not installed)')
    expect(judgedTarget('hit', 0.95, true, skipped, { byCount: 1, byThroughput: 0.9, ...texts }).met).toBe(false)
  })

  it('reports a count it could not take as not measured, not as met or missed', () => {
    const t = judgedTarget('hit', 0.95, true, counted({}), { byCount: Number.NaN, byThroughput: 1, ...texts })
    expect(t.met).toBeUndefined()
  })
})
