/**
 * Heap per cached ~1 KB entry in the memory store: `node --expose-gc memory.ts <entries>`. Entries
 * are shaped as a fill stores them (own body Buffer, own header record, own key and path). Prints
 * a JSON MemoryResult.
 */
import { memoryStore } from '@larder/core'
import { userRecord } from '../servers/fixtures.js'

export interface MemoryResult {
  entries: number
  bodyBytes: number
  /** heapUsed growth per entry (JS objects: entry, node, indexes, key, header strings, Buffer objects). */
  heapPerEntry: number
  /** ArrayBuffer (off-heap) growth per entry: the bodies. */
  arrayBuffersPerEntry: number
  /** What the store counts against maxBytes per entry. */
  accountedPerEntry: number
}

function settle(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage()
}

const entries = Number(process.argv[2] ?? 100_000)
const store = memoryStore({ maxBytes: Number.MAX_SAFE_INTEGER })
const before = settle()
let bodyBytes = 0
const now = Date.now()
for (let i = 0; i < entries; i++) {
  const id = String(100_000 + i)
  // As Express hands a fill its body: a Buffer made from the JSON string (small ones share pool slabs).
  const body = Buffer.from(JSON.stringify(userRecord(id)))
  bodyBytes += body.byteLength
  const headers = { 'x-powered-by': 'Express', 'content-type': 'application/json; charset=utf-8', etag: `W/"${body.byteLength.toString(16)}-${(i * 2654435761).toString(36).padStart(27, 'x')}"` }
  store.set(`larder:GET:/users/${id}|@127.0.0.1:3000`, { status: 200, headers, body, storedAt: now, expiresAt: now + 3_600_000 }, { path: `/users/${id}`, tags: [], since: 0 })
}
const after = settle()
const stats = store.stats()
if (stats['entries'] !== entries) throw new Error(`store holds ${stats['entries']} entries, expected ${entries}`)
const result: MemoryResult = {
  entries,
  bodyBytes: bodyBytes / entries,
  heapPerEntry: (after.heapUsed - before.heapUsed) / entries,
  arrayBuffersPerEntry: (after.arrayBuffers - before.arrayBuffers) / entries,
  accountedPerEntry: (stats['bytes'] ?? 0) / entries,
}
console.log(JSON.stringify(result))
store.close()
