// `pnpm readme:sync`: copies each file a README block is marked with (`<!-- snippet: file <path> -->`)
// into that block, so the README shows the file as it is. The README test fails until this is run.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readmePaths, syncedReadme } from './readme.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))
for (const readme of readmePaths(root)) {
  const text = readFileSync(join(root, readme), 'utf8')
  const synced = syncedReadme(root, readme, text)
  if (synced !== text) {
    writeFileSync(join(root, readme), synced)
    console.warn(`updated ${readme}`)
  }
}
