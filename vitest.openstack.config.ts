import { defineConfig } from 'vitest/config';

/**
 * The OpenStack integration suite (`npm run test:openstack`): tests named *.openstack.test.ts,
 * run one file at a time against the testbed of tools/openstack-testbed, which must be up
 * (tools/openstack-testbed/setup.sh; .ci/run does it).
 */
export default defineConfig({
  test: {
    include: ['src/**/*.openstack.test.ts'],
    globalSetup: ['src/cli/testing/build.ts'],
    fileParallelism: false,
    testTimeout: 1_800_000,
    hookTimeout: 900_000,
  },
});
