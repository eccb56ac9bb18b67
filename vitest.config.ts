import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The examples import the package by its name, as an application would; this is the source.
  resolve: {
    alias: [
      { find: /^stepgate\/testing$/, replacement: source('./lib/testing/index.ts') },
      { find: /^stepgate$/, replacement: source('./lib/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Flow tests start real servers on loopback; keep the two cores from thrashing.
    maxWorkers: 2,
  },
});
