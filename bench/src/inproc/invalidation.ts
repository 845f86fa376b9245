/**
 * Times one invalidation (one tag, one path) as the cache holds more entries:
 * `invalidation.ts memory|redis '<sizes JSON>' <samples> [prefix]`. Prints a JSON InvalidationResult.
 *
 * Every entry has its own path and one tag shared by 10 entries, so each timed invalidation removes
 * the same work (10 entries by tag, 1 by path) whatever the size. The removed entries are written
 * back untimed after each sample, so the size stays constant.
 */
import { createCache, memoryStore, type Store } from '@larder/core'
import { type CacheEntry } from '@larder/core/adapter'
import { quantile, median } from '../load.js'
import { connectRedis, loadRedisStore } from '../servers/stores.js'

export interface Timing {
  median: number
  p99: number
}

export interface SizeTiming {
  entries: number
  fillSeconds: number
  tag: Timing
  path: Timing
  /**
   * Memory store only: the same keys deleted from a plain Map of the same size. No index can do
   * less than this per removed entry, so how it grows with size is memory latency, not larder.
   */
  floor?: { tag: Timing; path: Timing }
}
export type InvalidationResult = { sizes: SizeTiming[] } | { skipped: string }

const TAG_SIZE = 10
const BODY = new Uint8Array(1024).fill(120)

function entry(): CacheEntry {
  const now = Date.now()
  return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: BODY, storedAt: now, expiresAt: now + 3_600_000 }
}

const keyOf = (i: number): string => `larder:GET:/items/${i}|@bench`
const pathOf = (i: number): string => `/items/${i}`
const tagOf = (i: number, groups: number): string => `g${i % groups}`

async function put(store: Store, i: number, groups: number): Promise<void> {
  const since = await store.mark(keyOf(i), pathOf(i))
  const ok = await store.set(keyOf(i), entry(), { path: pathOf(i), tags: [tagOf(i, groups)], since })
  if (!ok) throw new Error(`entry ${i} was refused`)
}

/** Writes entries [from, to) with up to `parallel` writes in flight. */
async function fill(store: Store, from: number, to: number, groups: number, parallel: number): Promise<void> {
  let next = from
  const worker = async (): Promise<void> => {
    while (next < to) await put(store, next++, groups)
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

const timing = (times: number[]): Timing => ({ median: median(times), p99: quantile(times, 0.99) })

/** The tag's members: every entry i with i % groups === g. */
function membersOf(g: number, size: number, groups: number): number[] {
  return Array.from({ length: Math.ceil((size - g) / groups) }, (_, k) => g + k * groups).filter((i) => i < size)
}

/** The floor: the same samples' keys deleted from (and put back into) a plain Map of `size` entries. */
function plainMapFloor(size: number, groups: number, samples: number): { tag: Timing; path: Timing } {
  const map = new Map<string, { i: number }>()
  for (let i = 0; i < size; i++) map.set(keyOf(i), { i })
  const remove = (keys: readonly string[]): number => {
    const t = performance.now()
    for (const k of keys) map.delete(k)
    const elapsed = performance.now() - t
    for (const k of keys) map.set(k, { i: 0 })
    return elapsed
  }
  const tagTimes: number[] = []
  const pathTimes: number[] = []
  for (let s = 0; s < samples; s++) {
    const g = (s * 7919) % groups
    tagTimes.push(remove(membersOf(g, size, groups).map(keyOf)))
    pathTimes.push(remove([keyOf((s * 104_729) % size)]))
  }
  return { tag: timing(tagTimes), path: timing(pathTimes) }
}

async function main(): Promise<void> {
  const [kind, sizesJson, samplesArg, prefix] = process.argv.slice(2)
  const sizes = JSON.parse(sizesJson ?? '[]') as number[]
  const samples = Number(samplesArg ?? 100)
  let makeStore: () => Promise<{ store: Store; done: () => Promise<void> }>
  if (kind === 'redis') {
    const redisStore = await loadRedisStore()
    if (redisStore === undefined) return console.log(JSON.stringify({ skipped: '@larder/redis not available' }))
    const client = await connectRedis()
    makeStore = async () => {
      const store = redisStore({ client, prefix: prefix ?? `larder-bench-inv-${process.pid}` })
      return { store, done: async () => void (await store.clear()) }
    }
    process.on('exit', () => void client.quit())
  } else {
    makeStore = async () => {
      const store = memoryStore({ maxBytes: Number.MAX_SAFE_INTEGER })
      return { store, done: async () => void store.close() }
    }
  }
  const parallel = kind === 'redis' ? 256 : 1
  const out: SizeTiming[] = []
  for (const size of sizes) {
    const { store, done } = await makeStore()
    const cache = createCache({ store })
    const groups = Math.max(1, Math.floor(size / TAG_SIZE))
    const t = performance.now()
    await fill(store, 0, size, groups, parallel)
    const fillSeconds = (performance.now() - t) / 1000
    const tagTimes: number[] = []
    const pathTimes: number[] = []
    for (let s = 0; s < samples; s++) {
      const g = (s * 7919) % groups
      tagTimes.push(await timed(() => cache.invalidate({ tags: [`g${g}`] })))
      // Put the tag's entries back (untimed) so the size stays the same.
      await Promise.all(membersOf(g, size, groups).map((i) => put(store, i, groups)))
      const i = (s * 104_729) % size
      pathTimes.push(await timed(() => cache.invalidate({ paths: [pathOf(i)] })))
      await put(store, i, groups)
    }
    await done()
    out.push({ entries: size, fillSeconds, tag: timing(tagTimes), path: timing(pathTimes), floor: kind === 'redis' ? undefined : plainMapFloor(size, groups, samples) })
  }
  console.log(JSON.stringify({ sizes: out }))
  process.exit(0)
}

void main()
