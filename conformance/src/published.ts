import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { score, type Score, type Scorer } from './score.js'
import type { RawResults } from './suite.js'

export interface Published {
  name: string
  version: string
  type: string
  score: Score
}

/** The other caches' results the suite publishes (results/index.mjs, the data behind cache-tests.fyi), scored by our scorer. */
export async function publishedScores(dir: string, scorer: Scorer): Promise<Published[]> {
  const index = (await import(pathToFileURL(join(dir, 'results', 'index.mjs')).href)).default as Array<{ file: string; name: string; version: string; type: string }>
  return index.map((entry) => {
    const raw = JSON.parse(readFileSync(join(dir, 'results', entry.file), 'utf8')) as RawResults
    return { name: entry.name, version: entry.version, type: entry.type, score: score(scorer, raw) }
  })
}
