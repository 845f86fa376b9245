import type { MemoryResult } from '../inproc/memory.js'
import { runScript } from '../proc.js'
import type { Context, ScenarioResult } from '../model.js'

const bytes = (n: number): string => `${Math.round(n).toLocaleString('en-US')} B`

export async function memoryPerEntry(ctx: Context): Promise<ScenarioResult> {
  const m = await runScript<MemoryResult>(new URL('../inproc/memory.ts', import.meta.url), [String(ctx.profile.memoryEntries)], ['--expose-gc', '--max-old-space-size=2048'])
  const overhead = m.heapPerEntry + m.arrayBuffersPerEntry - m.bodyBytes
  return {
    id: 'memory',
    title: '7. Memory per entry',
    about: `${m.entries.toLocaleString('en-US')} entries of a ~1 KB JSON body put into the memory store in a fresh process started with --expose-gc, shaped as a fill stores them (each with its own body Buffer made from the JSON string, header record, key and path); heapUsed and arrayBuffers (off-heap Buffer memory) measured after full GCs before and after.`,
    tables: [
      {
        columns: ['per entry', 'bytes'],
        rows: [
          ['body (JSON)', bytes(m.bodyBytes)],
          ['heap (heapUsed growth: entry, store node, index slots, key/path/header strings, Buffer objects)', bytes(m.heapPerEntry)],
          ['off-heap (arrayBuffers growth: the bodies)', bytes(m.arrayBuffersPerEntry)],
          ['total', bytes(m.heapPerEntry + m.arrayBuffersPerEntry)],
          ['overhead beyond the body', bytes(overhead)],
          ['what the store counts against maxBytes', bytes(m.accountedPerEntry)],
        ],
      },
    ],
    targets: [],
    notes: [],
  }
}
