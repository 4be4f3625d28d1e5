import { defineConfig } from 'vitest/config';

// One run over every package, so CI gets a single pass/fail count.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    globalSetup: ['packages/db/src/testing/global-setup.ts'],
  },
});
