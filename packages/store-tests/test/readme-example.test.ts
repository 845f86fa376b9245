import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8')

// The README's third-party store is the example whose test runs: the two must not drift apart.
it('the README shows examples/custom-store as it is', () => {
  const blocks = [...read('../README.md').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  expect(blocks).toContain(read('../../../examples/custom-store/src/map-store.ts'))
  expect(blocks).toContain(read('../../../examples/custom-store/test/map-store.test.ts'))
})
