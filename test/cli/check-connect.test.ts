/**
 * `stepgate check --connect` and `stepgate serve` bind the directory's search account for real
 * (a slapd started here): a wrong password is named with its bind DN and the directory's answer.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE_DN, READER_DN, READER_PASSWORD } from '../fixtures/ldap/people.js';
import { runStepgate } from '../helpers/cli.js';
import { freePort } from '../helpers/processes.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

let slapd: Slapd;

beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => slapd?.stop());

/** A stepgate.yaml signing people in against `url` with the password in $LDAP_BIND_PASSWORD, in a folder of its own. */
function configFile(url: string, listen = '127.0.0.1:0'): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-connect-'));
  const path = join(dir, 'stepgate.yaml');
  writeFileSync(
    path,
    `server: { listen: ${listen} }
upstream: { url: http://127.0.0.1:3000 }
session: { secret: a-long-enough-secret-for-the-check-command }
store: { path: ${join(dir, 'stepgate.db')} }
notifications: { outbox_path: ${join(dir, 'outbox.jsonl')} }
logins:
  delegated:
    ldap:
      url: ${url}
      bind_dn: ${READER_DN}
      bind_password: \${LDAP_BIND_PASSWORD}
      base_dn: ${PEOPLE_DN}
`,
  );
  return path;
}

const env = (password: string) => ({ LDAP_BIND_PASSWORD: password });

describe('stepgate check --connect', () => {
  it('binds the search account and says so', async () => {
    const result = await runStepgate(['check', '--connect', '--config', configFile(slapd.url)], {
      env: env(READER_PASSWORD),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`logins.delegated.ldap: bound to ${slapd.url} as '${READER_DN}'`);
  });

  it('names the bind DN and the directory’s answer when the password is wrong, and fails', async () => {
    const result = await runStepgate(['check', '--connect', '--config', configFile(slapd.url)], {
      env: env('not the reader password'),
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`refused the search account '${READER_DN}'`);
    expect(lines[0]).toContain('InvalidCredentialsError');
    expect(lines[0]).not.toContain('not the reader password');
  });

  it('says the directory cannot be reached, and where', async () => {
    const url = (await deadUpstreamUrl()).replace('http://', 'ldap://');
    const result = await runStepgate(['check', '--connect', '--config', configFile(url)], {
      env: env(READER_PASSWORD),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`cannot reach the directory at ${url.replaceAll('.', '\\.')}: `),
    );
  });

  it('does not touch the network without --connect', async () => {
    const result = await runStepgate(['check', '--config', configFile(slapd.url)], {
      env: env('not the reader password'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('bound to');
  });
});

/** GET /readyz once the process answers at all: its status and which checks failed. */
async function readiness(url: string): Promise<{ status: number; checks: Record<string, string> }> {
  for (;;) {
    try {
      const res = await fetch(`${url}/_stepgate/readyz`, { signal: AbortSignal.timeout(5_000) });
      return {
        status: res.status,
        checks: ((await res.json()) as { checks: Record<string, string> }).checks,
      };
    } catch {
      await sleep(100); // not listening yet
    }
  }
}

describe('stepgate serve', () => {
  it('starts when the directory cannot be reached, not ready until it answers', async () => {
    const [directoryPort, gatewayPort] = [await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [
        'dist/bin/stepgate.js',
        'serve',
        '--config',
        configFile(`ldap://127.0.0.1:${directoryPort}`, `127.0.0.1:${gatewayPort}`),
      ],
      { env: { ...process.env, ...env(READER_PASSWORD) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let late: Slapd | undefined;
    try {
      const url = `http://127.0.0.1:${gatewayPort}`;
      expect(await readiness(url)).toEqual({
        status: 503,
        checks: { store: 'ok', limiter: 'ok', directory: 'unavailable' },
      });
      // Logged before it listened; the pipe may hand it over a moment after the answer above.
      while (!output.includes('directory not reachable at start')) await sleep(50);
      late = await startSlapd({ port: directoryPort });
      let ready = await readiness(url);
      while (ready.status !== 200) {
        await sleep(100);
        ready = await readiness(url);
      }
      expect(ready.checks.directory).toBe('ok');
    } finally {
      child.kill('SIGTERM');
      await exited;
      await late?.stop();
    }
  });

  it('refuses to start when the directory refuses the search account, in one line naming it', async () => {
    const result = await runStepgate(['serve', '--config', configFile(slapd.url)], {
      env: env('not the reader password'),
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^stepgate: logins\\.delegated\\.ldap: the directory at .* refused the search account '${READER_DN}'`,
      ),
    );
    expect(lines.at(-1)).toContain('InvalidCredentialsError');
  });
});
