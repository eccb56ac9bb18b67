/**
 * Once before the suite: compile the CLI, so the tests that run the real `stepgate` binary start
 * it from dist/ as an operator would, without paying a TypeScript compile per command; and make
 * sure a Redis and a PostgreSQL answer (test/helpers/services.ts starts throwaway ones when none
 * does). Their URLs reach every test file through STEPGATE_TEST_REDIS_URL and
 * STEPGATE_TEST_POSTGRES_URL, set here before the workers start.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensurePostgres, ensureRedis, type Service } from './helpers/services.js';

export default async function setup(): Promise<() => Promise<void>> {
  const [redis, postgres] = await Promise.all([
    ensureRedis(),
    ensurePostgres(),
    Promise.resolve().then(build),
  ]);
  for (const [name, service] of [
    ['Redis', redis],
    ['PostgreSQL', postgres],
  ] as const) {
    console.log(`${name} for the tests: ${service.url}${service.started ? ' (started for this run)' : ''}`);
  }
  process.env.STEPGATE_TEST_REDIS_URL = redis.url;
  process.env.STEPGATE_TEST_POSTGRES_URL = postgres.url;
  return async () => {
    await Promise.all([redis, postgres].map((service: Service) => service.stop()));
  };
}

/**
 * tsc to dist/. Type errors are `npm run typecheck`'s to report (`npm test` runs it first); tsc
 * still writes dist/ then (exit status 2), and the tests judge what it wrote. Only a build that
 * wrote nothing stops the run.
 */
export function build(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 2) throw error;
    console.warn('tsc reported type errors (above); dist/ was written and the tests run on it');
  }
}
