import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    // The runtime test's server needs the test database; the consumer test builds dist/ itself
    // (`pnpm pack` runs the package's prepack).
    globalSetup: ['../../packages/db/src/testing/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
