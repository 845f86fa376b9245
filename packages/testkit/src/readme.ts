import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A fenced code block of a README, with the `<!-- snippet: … -->` comment right above it, if any. */
export interface CodeBlock {
  /** The README, relative to the repository root. */
  readme: string
  /** Line of the opening fence, from 1. */
  line: number
  /** The fence's language tag ('' when there is none). */
  lang: string
  /** The block's text, ending with a newline. */
  code: string
  /** What the snippet comment says about the block: `file <path>`, `excerpt <path>` or `typecheck only: <reason>`. */
  marker: string | undefined
  /** Offsets of the code in the README's text, for rewriting it. */
  start: number
  end: number
}

const FENCE = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm
const MARKER = /<!--\s*snippet:\s*([\s\S]*?)\s*-->\s*$/

/** Every README of the repository: its own, each package's and each example's. */
export function readmePaths(root: string): string[] {
  const inside = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => join(dir, d.name, 'README.md'))
      .filter((p) => existsSync(join(root, p)))
      .sort()
  return ['README.md', ...inside('packages'), 'examples/README.md', ...inside('examples')].filter((p) => existsSync(join(root, p)))
}

export function codeBlocks(root: string, readme: string, text = readFileSync(join(root, readme), 'utf8')): CodeBlock[] {
  const blocks: CodeBlock[] = []
  for (const m of text.matchAll(FENCE)) {
    const before = text.slice(0, m.index)
    const previousLine = before.slice(0, -1).split('\n').pop() ?? ''
    const start = m.index + m[0].indexOf('\n') + 1
    blocks.push({
      readme,
      line: before.split('\n').length,
      lang: m[1]!.trim(),
      code: m[2]!,
      marker: MARKER.exec(previousLine)?.[1],
      start,
      end: start + m[2]!.length,
    })
  }
  return blocks
}

/** The path a `file <path>` marker names, relative to the repository root. */
export function markedFile(block: CodeBlock): string | undefined {
  return /^file\s+(\S+)$/.exec(block.marker ?? '')?.[1]
}

/** The path an `excerpt <path>` marker names, relative to the repository root. */
export function excerptFile(block: CodeBlock): string | undefined {
  return /^excerpt\s+(\S+)$/.exec(block.marker ?? '')?.[1]
}

/**
 * The code lines of an excerpt block that are not lines of its file (both compared trimmed); lines
 * that are only a `//` comment explain the excerpt and are not compared.
 */
export function linesNotInExcerptFile(root: string, block: CodeBlock): string[] {
  const lines = new Set(readFileSync(join(root, excerptFile(block)!), 'utf8').split('\n').map((l) => l.trim()))
  return block.code.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('//') && !lines.has(l))
}

/** `text` with every block marked `file <path>` replaced by that file as it is now. */
export function syncedReadme(root: string, readme: string, text: string): string {
  let out = ''
  let at = 0
  for (const block of codeBlocks(root, readme, text)) {
    const file = markedFile(block)
    if (file === undefined) continue
    out += text.slice(at, block.start) + readFileSync(join(root, file), 'utf8')
    at = block.end
  }
  return out + text.slice(at)
}
