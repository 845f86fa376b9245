import type { ResponseHeaders } from './types.js'

/**
 * The longest larder keeps an entry: a year, whatever s-maxage, max-age or ttl say. A lifetime of
 * centuries (`s-maxage=99999999999999999999`) is no more useful than a year, yet as milliseconds it
 * is a number no store takes as an expiry (Redis refuses it, so the entry was never stored).
 */
export const MAX_LIFETIME_SECONDS = 365 * 24 * 60 * 60

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

// RFC 9110 §5.6.7: IMF-fixdate, then the two obsolete forms a recipient must still accept. Names are
// matched whatever their case: a server that writes `jan` or `gmt` means the same date, and reading
// it as invalid would make a response meant to be fresh expired.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/i
const RFC_850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/i
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i

/**
 * An HTTP-date as epoch ms, or undefined when the value is not one. Strict on purpose: `Date.parse`
 * reads "0" as the year 2000 and "2030" as a date, where RFC 9111 §5.3 wants any invalid value
 * treated as already expired.
 */
export function parseHttpDate(value: ResponseHeaders[string]): number | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  let m = IMF_FIXDATE.exec(text)
  if (m !== null) return utc(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!)
  m = RFC_850.exec(text)
  if (m !== null) {
    // A two-digit year more than 50 years ahead is the most recent past year with those digits (§5.6.7).
    let year = 2000 + Number(m[3])
    if (year > new Date().getUTCFullYear() + 50) year -= 100
    return utc(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!)
  }
  m = ASCTIME.exec(text)
  if (m !== null) return utc(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!)
  return undefined
}

function utc(year: number, monthName: string, day: number, hour: string, minute: string, second: string): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase())
  const h = Number(hour)
  const min = Number(minute)
  const s = Number(second)
  // Day 0 of the next month is the last of this one: a day the month does not have is no date
  // (Date.UTC would roll 31 Feb over into March).
  const days = month === -1 ? 0 : new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  if (day < 1 || day > days || h > 23 || min > 59 || s > 60) return undefined
  return Date.UTC(year, month, day, h, min, s)
}

/**
 * Whether a response without max-age or s-maxage is already stale by its Expires (RFC 9111 §4.2.1,
 * §5.3): an invalid Expires ("0", "-1", garbage, several values) means already expired, and a valid
 * one at or before the response's Date (else `now`, the time it was received) gives no freshness.
 */
export function staleByExpires(expires: ResponseHeaders[string], date: ResponseHeaders[string], now: number): boolean {
  const at = parseHttpDate(expires)
  if (at === undefined) return true
  return at <= (parseHttpDate(date) ?? now)
}

/**
 * The response's age when it reached the cache, in ms (RFC 9111 §4.2.3, corrected_initial_age):
 * the larger of the age its Date implies and its own Age plus the time the handler took.
 */
export function initialAgeMs(age: ResponseHeaders[string], date: ResponseHeaders[string], requestTime: number, responseTime: number): number {
  const dateValue = date === undefined ? undefined : parseHttpDate(date)
  const apparent = dateValue === undefined ? 0 : Math.max(0, responseTime - dateValue)
  const ageValue = age === undefined ? 0 : ageSeconds(age)
  return Math.max(apparent, ageValue * 1000 + (responseTime - requestTime))
}

/**
 * An Age value in seconds. RFC 9111 §5.1: a non-negative integer; a list (several Age lines) is
 * read by its first member, and an invalid value is ignored.
 */
function ageSeconds(value: NonNullable<ResponseHeaders[string]>): number {
  const first = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.split(',')[0]!.trim() : (value[0] ?? '').split(',')[0]!.trim()
  if (!/^\d+$/.test(first)) return 0
  return Math.min(Number(first), MAX_LIFETIME_SECONDS)
}
