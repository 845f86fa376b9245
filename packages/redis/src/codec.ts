import type { HeaderValue } from '@larder/core/adapter'
import type { CacheEntry } from '@larder/core/store'

/**
 * The stored form of an entry: one binary string, read in one GET.
 *
 *   u8  version (2)
 *   u32 M, then M bytes of index names: [u32 length, UTF-8 bytes] for the path, then each tag
 *   u16 status
 *   f64 storedAt, f64 expiresAt (epoch ms)
 *   f64 freshUntil (epoch ms; NaN: none), f64 initialAge (ms)   (version 2 only)
 *   u32 H, then H bytes of headers as JSON
 *   the body bytes, verbatim, to the end
 *
 * Integers are big-endian. The index names come first so that a script removing an entry reads
 * them with GETRANGE without copying the body (see `scripts.ts`). Version 1, written by larder
 * before entries had a freshness apart from their expiry, has the same prefix and no freshUntil or
 * initialAge: it is still read (an entry fresh until it expires), so a rolling deploy keeps its hits.
 */
export const VERSION = 2

export function encodeEntry(entry: CacheEntry, path: string, tags: readonly string[]): Buffer {
  const names = [path, ...tags].map((s) => Buffer.from(s, 'utf8'))
  const metaLength = names.reduce((n, b) => n + 4 + b.length, 0)
  const headers = Buffer.from(JSON.stringify(entry.headers), 'utf8')
  const body = entry.body
  const out = Buffer.allocUnsafe(1 + 4 + metaLength + 2 + 32 + 4 + headers.length + body.byteLength)
  let o = out.writeUInt8(VERSION, 0)
  o = out.writeUInt32BE(metaLength, o)
  for (const name of names) {
    o = out.writeUInt32BE(name.length, o)
    o += name.copy(out, o)
  }
  o = out.writeUInt16BE(entry.status, o)
  o = out.writeDoubleBE(entry.storedAt, o)
  o = out.writeDoubleBE(entry.expiresAt, o)
  o = out.writeDoubleBE(entry.freshUntil ?? Number.NaN, o)
  o = out.writeDoubleBE(entry.initialAge ?? 0, o)
  o = out.writeUInt32BE(headers.length, o)
  o += headers.copy(out, o)
  out.set(body, o)
  return out
}

/** Undefined for anything that is not a well-formed entry of this version (it reads as a miss). */
export function decodeEntry(buf: Buffer): CacheEntry | undefined {
  try {
    const version = buf.length < 5 ? 0 : buf.readUInt8(0)
    if (version !== 1 && version !== VERSION) return undefined
    let o = 5 + buf.readUInt32BE(1)
    const status = buf.readUInt16BE(o)
    const storedAt = buf.readDoubleBE(o + 2)
    const expiresAt = buf.readDoubleBE(o + 10)
    o += 18
    let freshUntil = Number.NaN
    let initialAge = 0
    if (version === VERSION) {
      freshUntil = buf.readDoubleBE(o)
      initialAge = buf.readDoubleBE(o + 8)
      o += 16
    }
    const headerLength = buf.readUInt32BE(o)
    o += 4
    if (o + headerLength > buf.length) return undefined
    const headers = JSON.parse(buf.toString('utf8', o, o + headerLength)) as Record<string, HeaderValue>
    const entry: CacheEntry = { status, headers, body: buf.subarray(o + headerLength), storedAt, expiresAt }
    if (!Number.isNaN(freshUntil)) entry.freshUntil = freshUntil
    if (initialAge !== 0) entry.initialAge = initialAge
    return entry
  } catch {
    return undefined
  }
}
