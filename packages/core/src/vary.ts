import type { CacheEntry } from './types.js'

/**
 * A response that varies on request headers the key does not include is stored as a variant; its
 * primary key then holds a pointer naming those headers. The pointer is an ordinary entry (status 0,
 * the names in its vary header, no body), so every store keeps it without knowing about variants,
 * and it is indexed and invalidated with the variants.
 */
export function varyPointer(names: readonly string[], storedAt: number, expiresAt: number): CacheEntry {
  return { status: 0, headers: { vary: names.join(',') }, body: new Uint8Array(0), storedAt, expiresAt }
}

export function isVaryPointer(entry: CacheEntry): boolean {
  return entry.status === 0
}

export function pointerNames(entry: CacheEntry): string[] {
  const v = entry.headers['vary']
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).split(',').filter((n) => n !== '')
}
