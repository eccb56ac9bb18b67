import { defineConfig } from 'vitest/config';

/**
 * The end-to-end test of the Keycloak provider (test/keycloak/), kept out of the default suite:
 * it needs the Maven build first (`npm run test:keycloak` runs both) and one Keycloak, started
 * once for the file.
 */
export default defineConfig({
  test: {
    include: ['test/keycloak/**/*.e2e.ts'],
    globalSetup: ['test/keycloak/global-setup.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // Keycloak's start, with the build of its server for a new provider JAR (Quarkus
    // augmentation), takes about a minute on an idle machine and several on a busy one.
    hookTimeout: 600_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
