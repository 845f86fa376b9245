// Printing helpers of the scripted demos (examples/demo.ts, examples/instances.ts).

/** Whether stdout is a terminal: colours only then, so piped output stays plain text. */
export const tty = process.stdout.isTTY === true

const paint =
  (code: number) =>
  (s: string): string =>
    tty ? `\x1b[${code}m${s}\x1b[0m` : s

export const [red, green, yellow, magenta, dim, bold] = [paint(31), paint(32), paint(33), paint(35), paint(2), paint(1)]

const CACHE_COLOUR: Record<string, (s: string) => string> = { HIT: green, MISS: yellow, BYPASS: magenta }

/** The colour of an `x-cache` value. */
export function cacheColour(xcache: string): (s: string) => string {
  return CACHE_COLOUR[xcache] ?? ((s) => s)
}

export const pad = (s: string | number, n: number): string => String(s).padEnd(n)
export const padLeft = (s: string | number, n: number): string => String(s).padStart(n)
