import { describeRedis, uniquePrefix, useRedisClient } from '@larder/testkit'
import { describe, expect, it } from 'vitest'
import type { Target } from '../src/model.js'
import { targetsTable } from '../src/report.js'
import { removeKeys, type KeyScanner } from '../src/servers/stores.js'

const targets: Target[] = [
  { name: 'a', met: true, detail: 'x' },
  { name: 'b', met: false, detail: 'y' },
  { name: 'c', met: undefined, detail: 'z' },
]

describe('target verdicts', () => {
  it('a full run says met or not met', () => {
    expect(targetsTable(targets).rows.map((r) => r[1])).toEqual(['**met**', '**not met**', 'not measured'])
  })

  it('a quick run never says met or not met: its verdicts are indicative', () => {
    const marks = targetsTable(targets, true).rows.map((r) => r[1])
    expect(marks).toEqual(['indicative: met (quick run)', 'indicative: not met (quick run)', 'not measured'])
  })
})

describeRedis('what a bench run leaves in Redis', 'redis', () => {
  const redis = useRedisClient()
  it('removeKeys deletes every key matching the pattern, in batches, and nothing else', async () => {
    const client = redis.client
    const ours = `{${uniquePrefix('bench-clean')}`
    const other = `${uniquePrefix('bench-keep')}`
    const keys = Array.from({ length: 2500 }, (_, i) => `${ours}:0}:mk:${i}`)
    for (let i = 0; i < keys.length; i += 500) await client.mSet(keys.slice(i, i + 500).map((k) => [k, '1'] as [string, string]))
    await client.set(other, '1')
    expect(await removeKeys(client as unknown as KeyScanner, `${ours}*`)).toBe(2500)
    expect(await client.exists(keys.slice(0, 3))).toBe(0)
    expect(await client.get(other)).toBe('1')
    await client.del(other)
  })
})
