/**
 * The node:test example (examples/express-app/app.node-test.ts) run by Node's own test runner, as
 * its header says to run it: the kit works without Vitest. Every test in it must run and pass.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = 'examples/express-app/app.node-test.ts';

it('passes every test of the node:test example under node --test', async () => {
  const tests = (await readFile(`${ROOT}${EXAMPLE}`, 'utf8')).match(/^\s*it\(/gm)?.length ?? 0;
  expect(tests).toBeGreaterThan(0);
  const outcome = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', EXAMPLE], {
    cwd: ROOT,
    timeout: 120_000,
  }).catch((error: { stdout: string; stderr: string; code: number }) => error);
  const report = `${outcome.stdout}\n${outcome.stderr}`;
  expect(report, report).toMatch(new RegExp(`^# pass ${tests}$`, 'm'));
  expect(report).toMatch(/^# fail 0$/m);
  expect('code' in outcome ? outcome.code : 0, report).toBe(0);
}, 180_000);
