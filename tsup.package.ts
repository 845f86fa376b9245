import { defineConfig } from 'tsup'

// Every published package builds the same way: one ESM entry with declarations, for Node 20.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
