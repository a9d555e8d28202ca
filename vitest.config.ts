import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Against the real OpenStack testbed: `npm run test:openstack` (vitest.openstack.config.ts).
    exclude: ['**/node_modules/**', 'src/**/*.openstack.test.ts'],
    globalSetup: [
      // Builds dist/ once: the CLI tests (src/cli/cli.test.ts) run the real `node dist/cli/main.js`.
      'src/cli/testing/build.ts',
      // One PostgreSQL for the run (DATABASE_URL, or a cluster in a temp folder): the store
      // tests run against it as well as against SQLite.
      'src/store/testing/postgres-setup.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
