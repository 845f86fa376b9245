import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources (the "source" export condition), so
  // tests never run against a stale build.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 20_000,
    // Under CI, a closing 'N passed, N failed' line that the CI log reader understands.
    reporters: process.env.CI ? ['default', './.ci/summary-reporter.ts'] : ['default'],
    hookTimeout: 60_000,
  },
})
