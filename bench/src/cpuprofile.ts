/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`) by self and total time per function.
 * CLI: `tsx src/cpuprofile.ts <file.cpuprofile> [top]`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { markdownTable } from './report.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface FunctionTime {
  name: string
  location: string
  selfMs: number
  totalMs: number
}

export interface ProfileSummary {
  totalMs: number
  idleMs: number
  gcMs: number
  functions: FunctionTime[]
}

// Paths are shown relative to the workspace root.
const ROOT = new URL('../../', import.meta.url).pathname

/**
 * tsx runs TypeScript compiled to one line per file, so profile positions are columns of that
 * line. Its disk cache keeps each compiled file's source map: map positions back through the
 * newest cached compilation of each source.
 */
function tsxSourceMaps(): Map<string, SourceMap> {
  const maps = new Map<string, { map: SourceMap; mtime: number }>()
  const dir = join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`)
  let files: string[] = []
  try {
    files = readdirSync(dir)
  } catch {
    return new Map()
  }
  for (const f of files) {
    try {
      const file = join(dir, f)
      const mtime = statSync(file).mtimeMs
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { map?: string | SourceMapPayload }
      const payload = typeof raw.map === 'string' ? (JSON.parse(raw.map) as SourceMapPayload) : raw.map
      const source = payload?.sources[0]
      if (payload === undefined || source === undefined || !source.startsWith(ROOT)) continue
      const known = maps.get(source)
      if (known === undefined || known.mtime < mtime) maps.set(source, { map: new SourceMap(payload), mtime })
    } catch {
      // not a compilation entry
    }
  }
  return new Map([...maps].map(([k, v]) => [k, v.map]))
}

function locator(): (frame: ProfileNode['callFrame']) => string {
  const maps = tsxSourceMaps()
  return (frame) => {
    let url = frame.url.replace(/^file:\/\//, '')
    let line = frame.lineNumber + 1
    const map = maps.get(url)
    if (map !== undefined) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalLine?: number }
      if (entry.originalLine !== undefined) line = entry.originalLine + 1
    }
    if (url.startsWith(ROOT)) url = url.slice(ROOT.length)
    url = url.replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    return url === '' ? '(native)' : `${url}:${line}`
  }
}

/** Whether a function is larder's own code (the workspace packages). */
export const isLarder = (f: FunctionTime): boolean => f.location.startsWith('packages/')

export function summarise(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map<number, ProfileNode>()
  const parent = new Map<number, number>()
  for (const n of profile.nodes) {
    byId.set(n.id, n)
    for (const c of n.children ?? []) parent.set(c, n.id)
  }
  const location = locator()
  const keyOf = (n: ProfileNode): string => `${n.callFrame.functionName}|${n.callFrame.url}|${n.callFrame.lineNumber}|${n.callFrame.columnNumber}`
  const fns = new Map<string, FunctionTime>()
  const fnOf = (n: ProfileNode): FunctionTime => {
    const k = keyOf(n)
    let f = fns.get(k)
    if (f === undefined) {
      f = { name: n.callFrame.functionName || '(anonymous)', location: location(n.callFrame), selfMs: 0, totalMs: 0 }
      fns.set(k, f)
    }
    return f
  }
  let totalMs = 0
  let idleMs = 0
  let gcMs = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    const leaf = byId.get(profile.samples[i]!)
    if (leaf === undefined) continue
    totalMs += ms
    const name = leaf.callFrame.functionName
    if (name === '(idle)') idleMs += ms
    if (name === '(garbage collector)') gcMs += ms
    fnOf(leaf).selfMs += ms
    // Total time: once per function per sample, however often it recurses.
    const seen = new Set<FunctionTime>()
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = fnOf(byId.get(id)!)
      if (!seen.has(f)) {
        seen.add(f)
        f.totalMs += ms
      }
    }
  }
  return { totalMs, idleMs, gcMs, functions: [...fns.values()].sort((a, b) => b.selfMs - a.selfMs) }
}

/** `requests`: how many requests the profiled process served, to show CPU µs per request. */
export function summaryMarkdown(title: string, s: ProfileSummary, top: number, requests?: number): string {
  const busy = s.totalMs - s.idleMs
  const pct = (ms: number): string => `${((ms / busy) * 100).toFixed(1)}%`
  const perRequest = (ms: number): string[] => (requests ? [((ms * 1000) / requests).toFixed(2)] : [])
  const row = (f: FunctionTime): string[] => [f.name, f.location, pct(f.selfMs), pct(f.totalMs), ...perRequest(f.selfMs), ...perRequest(f.totalMs)]
  const columns = ['function', 'where', 'self', 'total', ...(requests ? ['self µs/req', 'total µs/req'] : [])]
  const larder = s.functions.filter(isLarder).sort((a, b) => b.totalMs - a.totalMs)
  const larderSelf = larder.reduce((n, f) => n + f.selfMs, 0)
  return [
    `## ${title}`,
    '',
    `Busy ${Math.round(busy)} ms of ${Math.round(s.totalMs)} ms sampled (idle ${Math.round(s.idleMs)} ms)${requests ? `, ${requests.toLocaleString('en-US')} requests: ${((busy * 1000) / requests).toFixed(1)} µs of CPU per request` : ''}; GC ${pct(s.gcMs)} of busy time; larder's own functions ${pct(larderSelf)} self. Percentages are of busy time.`,
    '',
    `**Top ${top} by self time**`,
    '',
    markdownTable({ columns, rows: s.functions.filter((f) => f.name !== '(idle)').slice(0, top).map(row) }),
    '',
    '**larder functions (by total time)**',
    '',
    larder.length === 0 ? '(none sampled)' : markdownTable({ columns, rows: larder.map(row) }),
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/src\//, '/src/'))) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error('usage: tsx src/cpuprofile.ts <file.cpuprofile> [top]')
    process.exit(2)
  }
  console.log(summaryMarkdown(file, summarise(file), Number(process.argv[3] ?? 30)))
}
