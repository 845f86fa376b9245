import { LarderOptionError, show } from './errors.js'

/** A number of seconds, or a string such as '250ms', '30s', '5m', '1h', '1d'. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | (string & {})

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/**
 * Parses a duration option into milliseconds, greater than zero. Runs at setup only, so the hot path
 * compares numbers.
 */
export function parseDuration(value: unknown, option: string): number {
  let ms: number | undefined
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) ms = value * 1000
  else if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim())
    if (m) ms = Number(m[1]) * UNIT_MS[m[2]!]!
  }
  if (ms === undefined || ms <= 0) {
    throw new LarderOptionError(
      option,
      `option "${option}" must be a duration greater than zero: a number of seconds or a string such as '250ms', '30s', '5m', '1h', '1d' (for example ${option}: '5m'); got ${show(value)}`,
    )
  }
  return Math.round(ms)
}
