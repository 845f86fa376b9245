import { sleep } from './http.js'

/** Polls `done` until it holds (or a generous limit passes, so a broken build fails on its assertions, not a hang). */
export async function until(done: () => boolean, limitMs = 2000): Promise<void> {
  for (let waited = 0; !done() && waited < limitMs; waited += 5) await sleep(5)
}

/**
 * A handler that holds its first call until `release()`: concurrent requests then arrive while it
 * runs, whatever the machine's speed.
 */
export function gate(): { wait: () => Promise<void>; release: () => void } {
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return { wait: () => opened, release: () => open() }
}
