import { cpuRatio, find, fmt, measureThroughput, ratio, ratioTarget, type Measured, type Variant } from '../throughput.js'
import type { Bar, Context, ScenarioResult, Table, Target } from '../model.js'
import { countedRatio, countInstructions, countPlan, countTable, judgedTarget, type Counted } from '../counting.js'

const USER = '/users/1'

const VARIANTS: Array<Variant & { group: string; kind: Bar['kind']; reference: string }> = [
  { label: 'node:http, prebuilt Buffer', spec: { framework: 'node', cache: 'ceiling' }, path: USER, group: 'node:http', kind: 'ceiling', reference: 'node:http, prebuilt Buffer' },
  { label: 'Express ceiling (prebuilt Buffer)', spec: { framework: 'express', cache: 'ceiling' }, path: USER, group: 'Express', kind: 'ceiling', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'Express ceiling sending a hit\'s headers', spec: { framework: 'express', cache: 'ceiling-headers' }, path: USER, group: 'Express', kind: 'ceiling', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'larder-express (memory)', spec: { framework: 'express', cache: 'larder', store: 'memory' }, path: USER, group: 'Express', kind: 'larder', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'apicache', spec: { framework: 'express', cache: 'apicache', store: 'memory' }, path: USER, group: 'Express', kind: 'peer', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'route-cache', spec: { framework: 'express', cache: 'route-cache' }, path: USER, group: 'Express', kind: 'peer', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'Express, no cache', spec: { framework: 'express', cache: 'none' }, path: USER, group: 'Express', kind: 'bare', reference: 'Express ceiling (prebuilt Buffer)' },
  { label: 'Fastify ceiling (onRequest, prebuilt Buffer)', spec: { framework: 'fastify', cache: 'ceiling' }, path: USER, group: 'Fastify', kind: 'ceiling', reference: 'Fastify ceiling (onRequest, prebuilt Buffer)' },
  { label: 'Fastify ceiling sending a hit\'s headers', spec: { framework: 'fastify', cache: 'ceiling-headers' }, path: USER, group: 'Fastify', kind: 'ceiling', reference: 'Fastify ceiling (onRequest, prebuilt Buffer)' },
  { label: 'larder-fastify (memory)', spec: { framework: 'fastify', cache: 'larder', store: 'memory' }, path: USER, group: 'Fastify', kind: 'larder', reference: 'Fastify ceiling (onRequest, prebuilt Buffer)' },
  { label: 'Fastify, no cache', spec: { framework: 'fastify', cache: 'none' }, path: USER, group: 'Fastify', kind: 'bare', reference: 'Fastify ceiling (onRequest, prebuilt Buffer)' },
]

const label = (framework: string, cache: string): string => VARIANTS.find((v) => v.spec.framework === framework && v.spec.cache === cache)!.label
export const NODE = label('node', 'ceiling')
export const EXPRESS_CEILING = label('express', 'ceiling')
export const FASTIFY_CEILING = label('fastify', 'ceiling')
const EXPRESS_HEADERS = label('express', 'ceiling-headers')
const FASTIFY_HEADERS = label('fastify', 'ceiling-headers')
const EXPRESS_LARDER = label('express', 'larder')
const FASTIFY_LARDER = label('fastify', 'larder')

// Counted under callgrind as well: each framework's ceiling and larder, and on Fastify the ceiling
// sending a hit's headers (an Express server counted adds about a minute and a half to the run).
const COUNTED = VARIANTS.filter((v) => [EXPRESS_CEILING, EXPRESS_LARDER, FASTIFY_CEILING, FASTIFY_HEADERS, FASTIFY_LARDER].includes(v.label))

function countedTable(counted: Counted): Table {
  return countTable('Instructions per request (callgrind), each server in its own process', counted, COUNTED.map((v) => v.label), 'vs framework ceiling', (label) => {
    const ceiling = VARIANTS.find((v) => v.label === label)!.reference
    if (label === ceiling) return 'reference'
    const r = countedRatio(counted, label, ceiling)
    return `${fmt.ratio(r)} (${fmt.signedPct(1 / r - 1)} instructions)`
  })
}

/** A hit target: judged on the counts when taken (ceiling's count over larder's), with throughput beside them. */
function hitTarget(name: string, bound: number, throughput: number, counted: Counted, larder: string, ceiling: string, notes: string): Target {
  const byCount = countedRatio(counted, larder, ceiling)
  return judgedTarget(name, bound, true, counted, {
    byCount,
    byThroughput: throughput,
    countText: `${byCount.toFixed(3)}× (≥ ${bound}×) by instructions per request`,
    throughputText: `throughput ${fmt.ratio(throughput)}${notes}`,
  })
}

export async function hitMemory(ctx: Context): Promise<ScenarioResult> {
  const results = await measureThroughput(ctx, VARIANTS)
  const node = find(results, NODE)
  const table: Table = {
    columns: ['Server', 'req/s', 'p50 ms', 'p99 ms', 'vs framework ceiling', 'vs node:http', 'server CPU µs/req', 'CPU vs ceiling'],
    rows: VARIANTS.map((v) => {
      const m = find(results, v.label)
      if (m === undefined) return [v.label, 'skipped', '', '', '', '', '', '']
      const isReference = v.reference === v.label
      const vsCeiling = isReference ? (v.group === 'node:http' ? '' : '1.00× (reference)') : fmt.ratio(ratio(results, v.label, v.reference))
      const cpuVsCeiling = isReference ? '' : fmt.ratio(cpuRatio(results, v.label, v.reference))
      return [v.label, fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99), vsCeiling, fmt.ratio(node ? ratio(results, v.label, NODE) : Number.NaN), fmt.us(m.cpuUs), cpuVsCeiling]
    }),
  }
  const counted = await countInstructions(ctx, COUNTED)
  const express = ratio(results, EXPRESS_LARDER, EXPRESS_CEILING)
  const fastify = ratio(results, FASTIFY_LARDER, FASTIFY_CEILING)
  const vsApicache = ratio(results, EXPRESS_LARDER, 'apicache')
  const cpuNote = (label: string, ceiling: string): string => `; server CPU per hit ${fmt.ratio(cpuRatio(results, label, ceiling))} the ceiling's`
  const headersNote = (larder: string, ceiling: string, headers: string): string => {
    const byCount = Number.isFinite(countedRatio(counted, headers, ceiling)) ? `; by instructions ${fmt.ratio(countedRatio(counted, headers, ceiling))}, and larder ${fmt.ratio(countedRatio(counted, larder, headers))} of that` : ''
    return `; the ceiling sending a hit's headers runs at ${fmt.ratio(ratio(results, headers, ceiling))} (CPU ${fmt.ratio(cpuRatio(results, headers, ceiling))}), and larder at ${fmt.ratio(ratio(results, larder, headers))} of that${byCount}`
  }
  return {
    id: 'hit-memory',
    title: '1. Hit throughput, memory store',
    about: `Every request is a cache hit on one ~1 KB JSON user record (GET ${USER}, cached by the warm-up). Each cache is compared with the framework's ceiling: the same framework answering every request from a prebuilt Buffer without routing, which no cache running inside that framework can beat. The ceiling also runs sending the headers a larder hit sends (ETag, Age, X-Cache besides Content-Type and Content-Length), which separates what the response costs from what finding it costs. node:http answering the Buffer is the physical ceiling of the machine. Server CPU per request is the server process's CPU time over the responses it sent: unlike req/s it does not depend on how much of the two cores the load generator took. Even so, on this shared two-core machine the ratio of larder to its ceiling moves by several points from run to run, more than the margin a target leaves. So the ceilings and larder are also counted under callgrind, as in the miss scenario (see there): instructions per request do not depend on the load on the machine, and on a CPU-bound server throughput is inversely proportional to them. Each is warmed up (filling the cache) and counted with ${countPlan(ctx)}. The hit targets are judged on the counts, with throughput beside them.`,
    tables: [table, countedTable(counted)],
    targets: [
      hitTarget('Express memory hit ≥ 0.95× Express ceiling', 0.95, express, counted, EXPRESS_LARDER, EXPRESS_CEILING, cpuNote(EXPRESS_LARDER, EXPRESS_CEILING) + headersNote(EXPRESS_LARDER, EXPRESS_CEILING, EXPRESS_HEADERS)),
      { ...ratioTarget('Express memory hit > apicache', vsApicache, 1, true), met: Number.isFinite(vsApicache) ? vsApicache > 1 : undefined, detail: `${fmt.ratio(vsApicache)} apicache (> 1×)` },
      hitTarget('Fastify memory hit ≥ 0.90× Fastify ceiling', 0.9, fastify, counted, FASTIFY_LARDER, FASTIFY_CEILING, cpuNote(FASTIFY_LARDER, FASTIFY_CEILING) + headersNote(FASTIFY_LARDER, FASTIFY_CEILING, FASTIFY_HEADERS)),
    ],
    notes: failureNotes(results),
    bars: VARIANTS.flatMap((v): Bar[] => {
      const m = find(results, v.label)
      return m === undefined ? [] : [{ group: v.group, label: v.label, rps: m.rps, kind: v.kind, note: v.group === 'node:http' ? 'physical ceiling' : v.reference === v.label ? 'ceiling' : fmt.ratio(ratio(results, v.label, v.reference)) }]
    }),
    headline: table,
  }
}

/** Notes for servers that failed requests or could not start. */
export function failureNotes(results: readonly Measured[]): string[] {
  return results.flatMap((m) => {
    if (m.skipped !== undefined) return [`${m.variant.label}: skipped: ${m.skipped}`]
    return m.failures > 0 ? [`${m.variant.label}: ${m.failures} non-2xx responses or connection errors during the measured rounds`] : []
  })
}
