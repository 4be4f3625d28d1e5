import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    // The database for the runtime test's server; then dist/ (what the package ships) once.
    globalSetup: ['../../packages/db/src/testing/global-setup.ts', './test/build.global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
