/**
 * `stepgate healthcheck` (the Docker image's HEALTHCHECK): asks the gateway its config runs for
 * `<base_path>/healthz` where `server.listen` says, so no port or path is written twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { healthzUrl } from '../../bin/healthcheck.js';
import { runStepgate } from '../helpers/cli.js';
import { startStepgate, writeProcessConfig } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'stepgate-healthcheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stepgate healthcheck', () => {
  it('answers 0 while the gateway is up on its own port and base path, and 1 in one line once it is not', async () => {
    const config = writeProcessConfig({
      dir,
      upstream: 'url: http://127.0.0.1:9',
      server: ['base_path: /gate'],
    });
    const gateway = await startStepgate({ config, env: {}, cwd: dir, basePath: '/gate' });
    const env = { STEPGATE_PORT: String(gateway.port) };
    const url = `http://127.0.0.1:${gateway.port}/gate/healthz`;
    try {
      const up = await runStepgate(['healthcheck', '--config', config], { env });
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(up.stdout).toBe(`healthcheck: ${url} answered 200\n`);
    } finally {
      await gateway.stop();
    }
    const down = await runStepgate(['healthcheck', '--config', config], { env });
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`stepgate: healthcheck: ${url} cannot be reached: ECONNREFUSED\n`);
  });

  it('reaches a gateway listening on every address through loopback', () => {
    expect(healthzUrl({ listen: '0.0.0.0:8080', base_path: '/_stepgate' })).toBe(
      'http://127.0.0.1:8080/_stepgate/healthz',
    );
    expect(healthzUrl({ listen: '[::]:9000', base_path: '/auth' })).toBe('http://[::1]:9000/auth/healthz');
    expect(healthzUrl({ listen: '[::1]:9000', base_path: '/' })).toBe('http://[::1]:9000/healthz');
    expect(healthzUrl({ listen: '10.0.0.5:8443', base_path: '/_stepgate' })).toBe(
      'http://10.0.0.5:8443/_stepgate/healthz',
    );
  });
});
