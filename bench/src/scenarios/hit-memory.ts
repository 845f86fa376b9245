import { cpuRatio, find, fmt, measureThroughput, ratio, ratioTarget, type Measured, type Variant } from '../throughput.js'
import type { Bar, Context, ScenarioResult, Table } from '../model.js'

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
  const express = ratio(results, 'larder-express (memory)', EXPRESS_CEILING)
  const fastify = ratio(results, 'larder-fastify (memory)', FASTIFY_CEILING)
  const vsApicache = ratio(results, 'larder-express (memory)', 'apicache')
  const cpuNote = (label: string, ceiling: string): string => `; server CPU per hit ${fmt.ratio(cpuRatio(results, label, ceiling))} the ceiling's`
  const headersNote = (larder: string, ceiling: string, headers: string): string =>
    `; the ceiling sending a hit's headers runs at ${fmt.ratio(ratio(results, headers, ceiling))} (CPU ${fmt.ratio(cpuRatio(results, headers, ceiling))}), and larder at ${fmt.ratio(ratio(results, larder, headers))} of that`
  return {
    id: 'hit-memory',
    title: '1. Hit throughput, memory store',
    about: `Every request is a cache hit on one ~1 KB JSON user record (GET ${USER}, cached by the warm-up). Each cache is compared with the framework's ceiling: the same framework answering every request from a prebuilt Buffer without routing, which no cache running inside that framework can beat. The ceiling also runs sending the headers a larder hit sends (ETag, Age, X-Cache besides Content-Type and Content-Length), which separates what the response costs from what finding it costs. node:http answering the Buffer is the physical ceiling of the machine. Server CPU per request is the server process's CPU time over the responses it sent: unlike req/s it does not depend on how much of the two cores the load generator took, so it is the steadier measure of what each server does per request.`,
    tables: [table],
    targets: [
      withDetail(ratioTarget('Express memory hit ≥ 0.95× Express ceiling', express, 0.95, true), cpuNote('larder-express (memory)', EXPRESS_CEILING) + headersNote('larder-express (memory)', EXPRESS_CEILING, EXPRESS_HEADERS)),
      { ...ratioTarget('Express memory hit > apicache', vsApicache, 1, true), met: Number.isFinite(vsApicache) ? vsApicache > 1 : undefined, detail: `${fmt.ratio(vsApicache)} apicache (> 1×)` },
      withDetail(
        ratioTarget('Fastify memory hit ≥ 0.90× Fastify ceiling', fastify, 0.9, true),
        cpuNote('larder-fastify (memory)', FASTIFY_CEILING) + headersNote('larder-fastify (memory)', FASTIFY_CEILING, FASTIFY_HEADERS),
      ),
    ],
    notes: failureNotes(results),
    bars: VARIANTS.flatMap((v): Bar[] => {
      const m = find(results, v.label)
      return m === undefined ? [] : [{ group: v.group, label: v.label, rps: m.rps, kind: v.kind, note: v.group === 'node:http' ? 'physical ceiling' : v.reference === v.label ? 'ceiling' : fmt.ratio(ratio(results, v.label, v.reference)) }]
    }),
    headline: table,
  }
}

function withDetail<T extends { detail: string }>(target: T, extra: string): T {
  return { ...target, detail: target.detail + extra }
}

/** Notes for servers that failed requests or could not start. */
export function failureNotes(results: readonly Measured[]): string[] {
  return results.flatMap((m) => {
    if (m.skipped !== undefined) return [`${m.variant.label}: skipped: ${m.skipped}`]
    return m.failures > 0 ? [`${m.variant.label}: ${m.failures} non-2xx responses or connection errors during the measured rounds`] : []
  })
}
