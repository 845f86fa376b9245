import { NOT_MODIFIED_HEADERS } from './conditional.js'
import type { CacheEntry, HeaderSink } from './types.js'

/**
 * Applies a stored entry's headers to a response. Headers already set by middleware that ran
 * before the cache (CORS, security headers) describe this request and win over the stored copy.
 */
export function replayHeaders(entry: CacheEntry, now: number, sink: HeaderSink, statusHeader: string | undefined, status: string, notModified = false): void {
  const headers = entry.headers
  for (const name in headers) {
    if (notModified && !NOT_MODIFIED_HEADERS.has(name)) continue
    if (!sink.has(name)) sink.set(name, headers[name]!)
  }
  sink.set('age', String(Math.max(0, Math.floor((now - entry.storedAt) / 1000))))
  if (!notModified) sink.set('content-length', String(entry.body.byteLength))
  if (statusHeader !== undefined) sink.set(statusHeader, status)
}
