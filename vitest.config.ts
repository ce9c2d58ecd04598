import { defineConfig } from 'vitest/config';

const apps = ['blog', 'market', 'cart', 'events', 'federation', 'account'];

/**
 * One project per workspace package, plus the cross-app journeys in e2e/.
 * The global setup resolves the test database/redis once (TEST_* URLs, testcontainers,
 * or the embedded fallbacks) and migrates a template database that each test file clones.
 */
export default defineConfig({
  test: {
    globalSetup: ['./shared/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['shared/src/**/*.test.ts', 'shared/test/**/*.test.ts'] },
      },
      ...apps.map((app) => ({
        extends: true,
        test: { name: app, include: [`${app}/src/**/*.test.ts`, `${app}/test/**/*.test.ts`] },
      })),
      { extends: true, test: { name: 'e2e', include: ['e2e/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
