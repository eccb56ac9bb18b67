/**
 * `notifications.geoip_database` in stepgate.yaml: the gateway that compose builds from it names
 * the approximate place in a new-network notice; without it the notice has no place line; a file
 * that is no database stops start-up and fails `stepgate check`, naming the key and the path.
 * Through the real sign-in and challenge, reading the outbox, with MaxMind's test database.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { OutboxEntry } from '../../adapters/outbox/outbox.js';
import { StartupError, compose } from '../../bin/compose.js';
import { silentLogger } from '../../bin/logger.js';
import { loadConfig } from '../../config/load.js';
import { runStepgate } from '../helpers/cli.js';
import { BASE } from '../helpers/flow.js';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';

const CITY_DB = fileURLToPath(new URL('../fixtures/geoip/GeoLite2-City-Test.mmdb', import.meta.url));
const NOTICE_SUBJECT = 'New sign-in to your account from a new network';

const root = mkdtempSync(join(tmpdir(), 'stepgate-geoip-notices-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A stepgate.yaml in its own directory: alice signs in directly, X-Forwarded-For from loopback. */
function writeConfig(geoip: string | undefined): { config: string; outbox: string } {
  const dir = mkdtempSync(join(root, 'gw-'));
  const path = (name: string) => JSON.stringify(join(dir, name));
  writeFileSync(
    join(dir, 'users.yaml'),
    `alice: { password_hash: '${TEST_HASH}', email: alice@example.com }\n`,
  );
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nmobile_registration: { prompt: false }\n');
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      "server: { listen: '127.0.0.1:0', trusted_proxies: [127.0.0.1/32] }",
      'upstream: { url: http://127.0.0.1:9 }',
      "session: { secret: 'a-long-enough-session-secret-for-these-tests' }",
      `store: { path: ${path('stepgate.db')} }`,
      `logins: { direct: { users_file: ${path('users.yaml')} } }`,
      `notifications: { outbox_path: ${path('outbox.jsonl')}${geoip === undefined ? '' : `, geoip_database: ${JSON.stringify(geoip)}`} }`,
      `policy_file: ${path('policy.yaml')}`,
      '',
    ].join('\n'),
  );
  return { config, outbox: join(dir, 'outbox.jsonl') };
}

async function composed(config: string) {
  const loaded = await loadConfig(config, {}, { files: true });
  if (!loaded.ok) throw new Error(`the test config does not load: ${JSON.stringify(loaded.problems)}`);
  return compose(loaded.value, silentLogger);
}

function emailsIn(outbox: string): OutboxEntry[] {
  if (!existsSync(outbox)) return [];
  return readFileSync(outbox, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutboxEntry)
    .filter((entry) => entry.channel === 'email');
}

/** alice signs in from `ip` and answers the email challenge; the notice that follows. */
async function noticeAfterSignInFrom(geoip: string | undefined, ip: string): Promise<string> {
  const { config, outbox } = writeConfig(geoip);
  const gateway = await composed(config);
  onTestFinished(() => gateway.close());
  const agent = request.agent(gateway.gateway.handler).set('Accept', 'application/json');
  agent.set('X-Forwarded-For', ip);
  const login = await agent.post(`${BASE}/login`).send({ username: 'alice', password: TEST_PASSWORD });
  expect(login.body.next).toBe('confirm');
  expect((await agent.post(`${BASE}/confirm/send`).send({ method: 'email' })).status).toBe(200);
  const code = /\d{6}/.exec(emailsIn(outbox).at(-1)?.body ?? '')?.[0];
  const verified = await agent.post(`${BASE}/confirm/verify`).send({ method: 'email', code });
  expect(verified.body.next, JSON.stringify(verified.body)).toBe('done');
  const notices = emailsIn(outbox).filter((entry) => entry.subject === NOTICE_SUBJECT);
  expect(notices).toHaveLength(1);
  expect(readFileSync(outbox, 'utf8')).not.toContain('"channel":"sms"');
  return notices[0]?.body ?? '';
}

describe('notifications.geoip_database', () => {
  it('names the approximate place of the new network in the notice', async () => {
    const body = await noticeAfterSignInFrom(CITY_DB, '81.2.69.142');
    expect(body).toContain('Network: 81.2.69.142/32');
    expect(body).toContain('Approximate place: London, United Kingdom');
  });

  it('gives no place line for an address the database does not know', async () => {
    const body = await noticeAfterSignInFrom(CITY_DB, '198.51.100.4');
    expect(body).toContain('Network: 198.51.100.4/32');
    expect(body).not.toContain('Approximate place');
  });

  it('gives no place line when no database is configured', async () => {
    const body = await noticeAfterSignInFrom(undefined, '81.2.69.142');
    expect(body).toContain('Network: 81.2.69.142/32');
    expect(body).not.toContain('Approximate place');
  });

  it('stops start-up and fails stepgate check, naming the key and the path, when the file is no database', async () => {
    const bad = join(root, 'GeoLite2-City.mmdb');
    writeFileSync(bad, '<html>Not Found</html>\n');
    const { config } = writeConfig(bad);
    const expected = `notifications.geoip_database: '${bad}' is not a MaxMind database (.mmdb) file`;
    const started = composed(config);
    await expect(started).rejects.toBeInstanceOf(StartupError);
    await expect(started).rejects.toThrow(expected);

    const checked = await runStepgate(['check', '--config', config]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(expected);
    expect(checked.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails stepgate check at the key and line when the file is missing', async () => {
    const missing = join(root, 'no-such.mmdb');
    const { config } = writeConfig(missing);
    const checked = await runStepgate(['check', '--config', config]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain(`:6:`);
    expect(checked.stderr).toContain(`notifications.geoip_database: file '${missing}' not found`);
  });
});
