/**
 * `stepgate demo` follows its config: the demo application listens where upstream.url says and
 * the banner names the config's public_url, instead of a fixed port 3000 and localhost:8080. Its
 * log can be pino-pretty's readable form (the default when standard error is a terminal).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stepgate-demo-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stepgate demo', () => {
  it('serves the demo application on the port of upstream.url and names public_url in its banner', async () => {
    const [gatewayPort, upstreamPort] = [await freePort(), await freePort()];
    const config = join(dir, 'demo.yaml');
    writeFileSync(
      config,
      [
        `server: { listen: '127.0.0.1:${gatewayPort}', public_url: 'http://127.0.0.1:${gatewayPort}' }`,
        `upstream: { url: 'http://127.0.0.1:${upstreamPort}' }`,
        "session: { store: memory, secret: '${STEPGATE_SESSION_SECRET}' }",
        `store: { type: sqlite, path: ${JSON.stringify(join(dir, 'demo.db'))} }`,
        `logins: { direct: { users_file: ${JSON.stringify(join(ROOT, 'config', 'users.demo.yaml'))} } }`,
        'notifications:',
        '  sms: { provider: outbox }',
        '  email: { provider: outbox }',
        `  outbox_path: ${JSON.stringify(join(dir, 'outbox.jsonl'))}`,
        '',
      ].join('\n'),
    );
    const { STEPGATE_SESSION_SECRET: _unset, ...env } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'dist/bin/stepgate.js'), 'demo', '--config', config], {
      cwd: dir,
      env: { ...env, STEPGATE_LOG_FORMAT: 'pretty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await vi.waitFor(() => expect(stderr).toContain('stepgate demo: open'), {
        timeout: 30_000,
        interval: 100,
      });
      expect(stderr).toContain(`open http://127.0.0.1:${gatewayPort}/ and sign in as "demo"`);
      expect(stderr).toContain(join(dir, 'outbox.jsonl'));
      // The log in pino-pretty's form for a person watching, not JSON.
      expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: stepgate listening$/m);
      const app = await fetch(`http://127.0.0.1:${upstreamPort}/`);
      expect(await app.text()).toContain('Demo application');
      const gateway = await fetch(`http://127.0.0.1:${gatewayPort}/`, { redirect: 'manual' });
      expect(gateway.status).toBe(302);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
