import { describeRedis, fetchFrom, startInstance, uniquePrefix, useRedis, type Instance } from '@larder/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'

// Two real app processes, one Express and one Fastify, each with its own Redis connections, sharing
// one Redis for the cache and one "database" (a key space in the same Redis).
describeRedis('two app processes sharing one Redis', 'redis', () => {
  const redis = useRedis()
  const instances: Instance[] = []
  beforeAll(async () => {
    const env = { REDIS_URL: redis.url, PREFIX: uniquePrefix('multi') }
    instances.push(...(await Promise.all([startInstance('express', env), startInstance('fastify', env)])))
  }, 60_000)
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()))
  })

  it('a PUT through one makes the next GET through the other return the new data, every time, under concurrent load', async () => {
    const ids = ['1', '2', '3', '4', '5']
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!
    // The highest version of each item whose PUT response has been received.
    const committed = new Map<string, number>()
    const stale: string[] = []
    let reads = 0
    let hits = 0
    let writes = 0
    const stopAt = Date.now() + 4000

    const read = async (via: number, id: string, floor: number): Promise<void> => {
      const res = await fetchFrom(instances[via]!.url, `/items/${id}`)
      expect(res.status).toBe(200)
      reads++
      if (res.cache === 'HIT') hits++
      const version = res.json().version as number
      if (version < floor) stale.push(`${via === 0 ? 'express' : 'fastify'} served item ${id} v${version} (${res.cache}) after v${floor} was committed`)
    }
    const reader = async (): Promise<void> => {
      while (Date.now() < stopAt) {
        const id = pick(ids)
        await read(Math.random() < 0.5 ? 0 : 1, id, committed.get(id) ?? 0)
      }
    }
    const writer = async (): Promise<void> => {
      while (Date.now() < stopAt) {
        const id = pick(ids)
        const via = Math.random() < 0.5 ? 0 : 1
        const put = await fetchFrom(instances[via]!.url, `/items/${id}`, { method: 'PUT' })
        expect(put.status).toBe(200)
        const version = put.json().version as number
        committed.set(id, Math.max(committed.get(id) ?? 0, version))
        writes++
        // The very next read, through the other process.
        await read(1 - via, id, version)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await Promise.all([...Array.from({ length: 8 }, reader), writer(), writer()])
    expect(stale).toEqual([])
    expect(writes).toBeGreaterThan(20)
    // The cache was really in play: a run without hits would prove nothing.
    expect(hits).toBeGreaterThan(reads / 10)
  }, 30_000)
})
