/** `session.store: redis` in stepgate.yaml: compose builds the Redis adapters and /readyz checks Redis. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisStore } from 'connect-redis';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysUnder } from '../../adapters/redis/client.js';
import { RedisLimiter } from '../../adapters/redis/limiter.js';
import { RedisReplayCache } from '../../adapters/redis/replay-cache.js';
import { StartupError, compose } from '../../bin/compose.js';
import { silentLogger } from '../../bin/logger.js';
import { loadConfig } from '../../config/load.js';
import { IDP_ENTITY_ID, IDP_SSO_URL, authnRequestOf, fixturePath } from '../helpers/saml-idp.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSION_SECRET = 'a-long-enough-session-secret-for-these-tests';

const root = mkdtempSync(join(tmpdir(), 'stepgate-redis-compose-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeConfig(
  extraStore = '',
  logins = 'logins: { direct: { users_file: config/users.demo.yaml } }',
): string {
  const config = join(root, 'stepgate.yaml');
  writeFileSync(
    config,
    [
      'server: { listen: 127.0.0.1:0 }',
      'upstream: { url: http://127.0.0.1:3000 }',
      `session: { secret: '\${STEPGATE_SESSION_SECRET}', store: redis, redis_url: '${url}' }`,
      `store: { path: '${join(root, 'stepgate.db')}'${extraStore} }`,
      logins,
      `notifications: { outbox_path: '${join(root, 'outbox.jsonl')}' }`,
      'policy_file: config/policy.example.yaml',
      '',
    ].join('\n'),
  );
  return config;
}

describe('compose with session.store redis', () => {
  it('keeps sessions, limits and replayed ids in Redis, and reports Redis in /readyz', async () => {
    const loaded = await loadConfig(writeConfig(), { STEPGATE_SESSION_SECRET: SESSION_SECRET });
    if (!loaded.ok) throw new Error(`the test config does not load: ${JSON.stringify(loaded.problems)}`);
    const composed = await compose(loaded.value, silentLogger);
    const key = `compose-test:${randomUUID()}`;
    try {
      expect(composed.ports.sessions).toBeInstanceOf(RedisStore);
      expect(composed.ports.limiter).toBeInstanceOf(RedisLimiter);
      expect(composed.ports.replayCache).toBeInstanceOf(RedisReplayCache);

      const ready = await request(composed.gateway.handler).get('/_stepgate/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ store: 'ok', limiter: 'ok', redis: 'ok' });

      // The limiter writes to the configured Redis, under the stepgate: prefix.
      const hour = 3_600_000;
      expect((await composed.ports.limiter.take(key, 1, hour, new Date())).allowed).toBe(true);
      const other = connectRedis(url, { logger: silentLogger });
      try {
        expect(await other.waitUntilReady(5_000)).toBe(true);
        expect(await other.client.exists(`stepgate:limit:take:${key}`)).toBe(1);
        await deleteKeysUnder(other.client, `stepgate:limit:take:${key}`);
      } finally {
        await other.close();
      }
    } finally {
      await composed.close();
    }
    await expect(composed.ports.limiter.ping()).rejects.toThrow();
  });

  it('seals sessions in Redis with store.encryption_key: no name or phone number readable there', async () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    rmSync(join(root, 'stepgate.db'), { force: true });
    const loaded = await loadConfig(writeConfig(`, encryption_key: '${key}'`), {
      STEPGATE_SESSION_SECRET: SESSION_SECRET,
    });
    if (!loaded.ok) throw new Error(`the test config does not load: ${JSON.stringify(loaded.problems)}`);
    const composed = await compose(loaded.value, silentLogger);
    const other = connectRedis(url, { logger: silentLogger });
    try {
      expect(await other.waitUntilReady(5_000)).toBe(true);
      const signIn = await request(composed.gateway.handler)
        .post('/_stepgate/login')
        .set('Accept', 'application/json')
        .send({ username: 'helpdesk', password: 'demo-password' });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers['set-cookie']?.[0]?.split(';', 1)[0] ?? '';
      const sid = /^stepgate_session=s%3A([^.]+)\./.exec(cookie)?.[1];
      if (sid === undefined) throw new Error(`no session id in ${cookie}`);
      const raw = (await other.client.get(`stepgate:sess:${sid}`)) ?? '';
      expect(raw).toContain('"sealed":"v1:');
      expect(raw).not.toContain('helpdesk');
      expect(raw).not.toContain('+14155550100');

      const challenge = await request(composed.gateway.handler)
        .get('/_stepgate/confirm')
        .set('Accept', 'application/json')
        .set('Cookie', cookie);
      expect(challenge.status).toBe(200);
      expect(challenge.body.methods.length).toBeGreaterThan(0);
      await other.client.del(`stepgate:sess:${sid}`);
    } finally {
      await other.close();
      await composed.close();
    }
  });

  it('keeps the ids of SAML AuthnRequests in Redis, for whichever instance the answer reaches', async () => {
    const logins = `logins: { saml: { entry_point: '${IDP_SSO_URL}', idp_issuer: '${IDP_ENTITY_ID}', idp_cert: '${fixturePath('idp.crt')}', issuer: stepgate } }`;
    const loaded = await loadConfig(writeConfig('', logins), { STEPGATE_SESSION_SECRET: SESSION_SECRET });
    if (!loaded.ok) throw new Error(`the test config does not load: ${JSON.stringify(loaded.problems)}`);
    const composed = await compose(loaded.value, silentLogger);
    const other = connectRedis(url, { logger: silentLogger });
    try {
      expect(await other.waitUntilReady(5_000)).toBe(true);
      const sp = composed.ports.saml;
      if (!sp) throw new Error('no SAML service provider');
      const { id } = await authnRequestOf((await sp.loginRequest('/')).url, sp.metadata());
      expect(await other.client.exists(`stepgate:saml:request:${id}`)).toBe(1);
      await other.client.del(`stepgate:saml:request:${id}`);
    } finally {
      await other.close();
      await composed.close();
    }
  });

  it('stops on a bad IdP certificate before the store is touched', async () => {
    const database = join(root, 'stepgate.db');
    rmSync(database, { force: true });
    const logins = `logins: { saml: { entry_point: '${IDP_SSO_URL}', idp_issuer: '${IDP_ENTITY_ID}', idp_cert: /nonexistent/idp.pem, issuer: stepgate } }`;
    const loaded = await loadConfig(writeConfig('', logins), { STEPGATE_SESSION_SECRET: SESSION_SECRET });
    if (!loaded.ok) throw new Error(`the test config does not load: ${JSON.stringify(loaded.problems)}`);
    await expect(compose(loaded.value, silentLogger)).rejects.toThrow(StartupError);
    await expect(compose(loaded.value, silentLogger)).rejects.toThrow(
      "names the file '/nonexistent/idp.pem'",
    );
    expect(existsSync(database)).toBe(false);
  });
});
