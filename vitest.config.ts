import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Builds dist/ once: the CLI tests (src/cli/cli.test.ts) run the real `node dist/cli/main.js`.
    globalSetup: ['src/cli/testing/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
