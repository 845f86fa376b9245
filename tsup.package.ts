import { defineConfig } from 'tsup'

// Every published package builds the same way: an ESM and a CommonJS entry, each with its
// declarations, so that `import` and `require()` (NestJS and other CommonJS codebases) both load it.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
})
