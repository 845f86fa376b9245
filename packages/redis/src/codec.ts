import type { HeaderValue } from '@larder/core/adapter'
import type { CacheEntry } from '@larder/core/store'

/**
 * The stored form of an entry: one binary string, read in one GET.
 *
 *   u8  version (1)
 *   u32 M, then M bytes of index names: [u32 length, UTF-8 bytes] for the path, then each tag
 *   u16 status
 *   f64 storedAt, f64 expiresAt (epoch ms)
 *   u32 H, then H bytes of headers as JSON
 *   the body bytes, verbatim, to the end
 *
 * Integers are big-endian. The index names come first so that a script removing an entry reads
 * them with GETRANGE without copying the body (see `scripts.ts`).
 */
export const VERSION = 1

export function encodeEntry(entry: CacheEntry, path: string, tags: readonly string[]): Buffer {
  const names = [path, ...tags].map((s) => Buffer.from(s, 'utf8'))
  const metaLength = names.reduce((n, b) => n + 4 + b.length, 0)
  const headers = Buffer.from(JSON.stringify(entry.headers), 'utf8')
  const body = entry.body
  const out = Buffer.allocUnsafe(1 + 4 + metaLength + 2 + 16 + 4 + headers.length + body.byteLength)
  let o = out.writeUInt8(VERSION, 0)
  o = out.writeUInt32BE(metaLength, o)
  for (const name of names) {
    o = out.writeUInt32BE(name.length, o)
    o += name.copy(out, o)
  }
  o = out.writeUInt16BE(entry.status, o)
  o = out.writeDoubleBE(entry.storedAt, o)
  o = out.writeDoubleBE(entry.expiresAt, o)
  o = out.writeUInt32BE(headers.length, o)
  o += headers.copy(out, o)
  out.set(body, o)
  return out
}

/** Undefined for anything that is not a well-formed entry of this version (it reads as a miss). */
export function decodeEntry(buf: Buffer): CacheEntry | undefined {
  try {
    if (buf.length < 5 || buf.readUInt8(0) !== VERSION) return undefined
    let o = 5 + buf.readUInt32BE(1)
    const status = buf.readUInt16BE(o)
    const storedAt = buf.readDoubleBE(o + 2)
    const expiresAt = buf.readDoubleBE(o + 10)
    const headerLength = buf.readUInt32BE(o + 18)
    o += 22
    if (o + headerLength > buf.length) return undefined
    const headers = JSON.parse(buf.toString('utf8', o, o + headerLength)) as Record<string, HeaderValue>
    return { status, headers, body: buf.subarray(o + headerLength), storedAt, expiresAt }
  } catch {
    return undefined
  }
}
