import { NOT_MODIFIED_HEADERS } from './conditional.js'
import { LARDER_CACHE_CONTROL } from './headers.js'
import { ENTRY_TAGS } from './handler-tags.js'
import type { CacheEntry, HeaderSink } from './types.js'

/**
 * Applies a stored entry's headers to a response. Headers already set by middleware that ran
 * before the cache (CORS, security headers) describe this request and win over the stored copy.
 * The sink is one object per adapter and the response is passed beside it: nothing is allocated per hit.
 */
export function replayHeaders<T>(entry: CacheEntry, now: number, sink: HeaderSink<T>, target: T, statusHeader: string | undefined, status: string, notModified = false): void {
  const headers = entry.headers
  const present = sink.names?.(target)
  for (const name in headers) {
    // larder's own field and the handler's tags are for larder alone (kept in the entry for when a 304 updates it).
    if ((notModified && !NOT_MODIFIED_HEADERS.has(name)) || name === LARDER_CACHE_CONTROL || name === ENTRY_TAGS) continue
    if (present === undefined ? !sink.has(target, name) : !present.includes(name)) sink.set(target, name, headers[name]!)
  }
  sink.set(target, 'age', String(Math.max(0, Math.floor((now - entry.storedAt + (entry.initialAge ?? 0)) / 1000))))
  if (!notModified) sink.set(target, 'content-length', String(entry.body.byteLength))
  if (statusHeader !== undefined) sink.set(target, statusHeader, status)
}
