import { defineConfig } from 'vitest/config';

// `npm test`: everything but the RTL simulation (npm run test:rtl) — CI runs both.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/rtl/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
