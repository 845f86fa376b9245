import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import type { AppFactory } from './apps.js'
import { useHarness } from './harness.js'
import type { StoreFactory } from './store-wrappers.js'

setFlagsFromString('--expose_gc')
const gc = runInNewContext('gc') as () => void

function retained(): number {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const CHUNK = 64 * 1024
const TOTAL = 50 * 1024 * 1024

function chunkAt(i: number): Buffer {
  return Buffer.alloc(CHUNK, i % 251)
}

/** Bounded resources through real servers: big bodies pass through without being kept. */
export function resourcesSuite(apps: AppFactory, stores: StoreFactory): void {
  describe(`bounded resources: ${apps.name} + ${stores.name} store`, () => {
    const start = useHarness(apps, stores)

    it('a 50 MB response streams through intact, is not stored, and its bytes are not retained', async () => {
      const h = await start([
        {
          method: 'GET',
          path: '/big',
          handler: () => ({
            headers: { 'content-type': 'application/octet-stream' },
            body: { stream: () => Readable.from((function* () { for (let i = 0; i < TOTAL / CHUNK; i++) yield chunkAt(i) })()) },
          }),
        },
      ])
      const expected = createHash('sha256')
      for (let i = 0; i < TOTAL / CHUNK; i++) expected.update(chunkAt(i))
      const want = expected.digest('hex')
      const before = retained()
      for (let round = 0; round < 2; round++) {
        const res = await request(h.url + '/big')
        expect(res.headers['x-cache']).toBe('MISS')
        const hash = createHash('sha256')
        let bytes = 0
        for await (const chunk of res.body) {
          hash.update(chunk as Buffer)
          bytes += (chunk as Buffer).length
        }
        expect(bytes).toBe(TOTAL)
        expect(hash.digest('hex')).toBe(want)
      }
      expect(h.cache.stats().stores).toBe(0)
      // Two 50 MB bodies went through; what stays must be far below one.
      expect(retained() - before).toBeLessThan(8 * 1024 * 1024)
    }, 60_000)
  })
}
