import type { ResponseHeaders } from './types.js'

/**
 * The longest larder keeps an entry: a year, whatever s-maxage, max-age or ttl say. A lifetime of
 * centuries (`s-maxage=99999999999999999999`) is no more useful than a year, yet as milliseconds it
 * is a number no store takes as an expiry (Redis refuses it, so the entry was never stored).
 */
export const MAX_LIFETIME_SECONDS = 365 * 24 * 60 * 60

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

// RFC 9110 §5.6.7: IMF-fixdate, then the two obsolete forms a recipient must still accept.
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/
const RFC_850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/

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
  const month = MONTHS.indexOf(monthName)
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
