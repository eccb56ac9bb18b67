/**
 * Two real `stepgate serve` processes started from one stepgate.yaml, as a fleet behind a load
 * balancer, over one Redis and one PostgreSQL: the SMS limit holds across both when they are hit
 * at the same moment (SPEC §1.5: "The limit must hold across several gateway instances sharing
 * one Redis"), and a challenge started on one is finished on the other.
 *
 * PostgreSQL gets a throwaway database, dropped afterwards. Redis gets a database number of its
 * own and users named for this run; afterwards only this run's keys are deleted, so a run beside
 * another (or beside the other suites) never loses keys it did not write. No Redis or PostgreSQL
 * is a failure, never a skip: CI provides both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PREFIX, connectRedis, type RedisConnection } from '../../adapters/redis/client.js';
import { SESSION_PREFIX } from '../../adapters/redis/session-store.js';
import { silentLogger } from '../../bin/logger.js';
import { BASE, BOB_MOBILE, LOCKED, RATE_LIMITED } from '../helpers/flow.js';
import {
  readOutbox,
  runCleanups,
  showLogsOnFailure as showLogsOf,
  signInToChallenge,
  startPair,
  writeFleetFiles,
  type Cleanups,
} from '../helpers/fleet.js';
import { TEST_HASH } from '../helpers/gateway.js';
import { call } from '../helpers/http-client.js';
import type { StepgateProcess } from '../helpers/processes.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

const redisServerUrl = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const postgresServerUrl =
  process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** No other suite uses this Redis database, so nothing here meets their keys. */
const REDIS_DATABASE = 7;
const SESSION_SECRET = randomBytes(32).toString('base64url');
const ENCRYPTION_KEY = randomBytes(32).toString('base64');
/** Starting two node processes and migrating a database takes a while on a busy two-core machine. */
const SLOW = 120_000;

const run = randomBytes(6).toString('hex');
/** One user with a mobile from the users file (offered SMS), one without (offered email). */
const SMS_USER = `fleet-sms-${run}`;
const EMAIL_USER = `fleet-email-${run}`;
const EMAIL_ADDRESS = `${EMAIL_USER}@example.com`;
/** Locked out on one instance, refused on the other. */
const LOCK_USER = `fleet-lock-${run}`;
const database = `stepgate_fleet_${run}`;

function withPath(serverUrl: string, path: string): string {
  const url = new URL(serverUrl);
  url.pathname = path;
  return url.toString();
}

function withoutPassword(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.password = '';
  return url.toString();
}

const redisUrl = withPath(redisServerUrl, `/${REDIS_DATABASE}`);
const databaseUrl = withPath(postgresServerUrl, `/${database}`);

const dir = mkdtempSync(join(tmpdir(), 'stepgate-two-instances-'));
const outboxPath = join(dir, 'outbox.jsonl');

/** What afterAll undoes, newest first, each even when another failed or beforeAll stopped half way. */
const cleanups: Cleanups = [() => rmSync(dir, { recursive: true, force: true })];
let redis: RedisConnection;
let upstream: EchoUpstream;
let a: StepgateProcess;
let b: StepgateProcess;

async function connectToRedis(): Promise<RedisConnection> {
  const connection = connectRedis(redisUrl, { logger: silentLogger });
  if (await connection.waitUntilReady(10_000)) return connection;
  await connection.close();
  throw new Error(
    `Redis is needed for this test but ${withoutPassword(redisUrl)} cannot be reached; ` +
      'start it or set STEPGATE_TEST_REDIS_URL',
  );
}

async function connectToPostgres(): Promise<Client> {
  const client = new Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    throw new Error(
      `PostgreSQL is needed for this test but ${withoutPassword(postgresServerUrl)} cannot be reached ` +
        `(${(error as Error).message}); start it or set STEPGATE_TEST_POSTGRES_URL`,
      { cause: error },
    );
  }
}

/**
 * Deletes the keys this run wrote: limits name the user; sessions are found by the user inside them.
 * Both processes are stopped by then, so nothing writes behind the scan.
 */
async function deleteRunKeys(client: RedisConnection['client']): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${KEY_PREFIX}*`, COUNT: 500 })) {
    for (const key of keys) {
      const ours =
        key.includes(run) ||
        (key.startsWith(SESSION_PREFIX) && ((await client.get(key).catch(() => null)) ?? '').includes(run));
      if (ours) await client.del(key);
    }
  }
}

/** One stepgate.yaml for both instances: only $STEPGATE_PORT differs between them. */
function writeConfig(upstreamUrl: string): string {
  return writeFleetFiles({
    dir,
    users: [
      `${SMS_USER}: { password_hash: '${TEST_HASH}', email: ${SMS_USER}@example.com, mobile: '${BOB_MOBILE}' }`,
      `${EMAIL_USER}: { password_hash: '${TEST_HASH}', email: ${EMAIL_ADDRESS} }`,
      `${LOCK_USER}: { password_hash: '${TEST_HASH}', email: ${LOCK_USER}@example.com }`,
    ],
    upstreamUrl,
    session: ['store: redis', `redis_url: ${JSON.stringify(redisUrl)}`],
    databaseUrl,
    outboxPath,
  });
}

beforeAll(async () => {
  redis = await connectToRedis();
  cleanups.push(async () => {
    await deleteRunKeys(redis.client);
    await redis.close();
  });

  const postgres = await connectToPostgres();
  cleanups.push(() => postgres.end());
  await postgres.query(`CREATE DATABASE ${database}`);
  // FORCE: a process that had to be killed must not keep the database alive.
  cleanups.push(() => postgres.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  upstream = await startEchoUpstream();
  cleanups.push(() => upstream.close());

  const config = writeConfig(upstream.url);
  const env = { STEPGATE_SESSION_SECRET: SESSION_SECRET, STEPGATE_ENCRYPTION_KEY: ENCRYPTION_KEY };
  // Both at once, as a fleet starts: they migrate the new database together.
  [a, b] = await startPair({ config, env, cwd: dir }, cleanups);
}, SLOW);

afterAll(() => runCleanups(cleanups, 'the two instances'), SLOW);

/** When a test fails, what both gateways logged is the first thing to read. */
const showLogsOnFailure = () => showLogsOf(() => ({ A: a, B: b }));
const signIn = signInToChallenge;
/** What both instances appended to the shared outbox, oldest first. */
const outbox = () => readOutbox(outboxPath);

describe('two stepgate processes sharing one Redis and one PostgreSQL', { timeout: SLOW }, () => {
  it('sends exactly 5 of 20 simultaneous SMS requests for one user, split across both (SPEC §1.5)', async () => {
    showLogsOnFailure();
    // Two sessions of the same user, one on each instance, both at the challenge.
    const jars = [await signIn(a, SMS_USER), await signIn(b, SMS_USER)] as const;

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? call(a, jars[0], 'POST', `${BASE}/confirm/send`, { method: 'sms' })
          : call(b, jars[1], 'POST', `${BASE}/confirm/send`, { method: 'sms' }),
      ),
    );

    const answered = (status: number) => answers.filter((res) => res.status === status).length;
    expect({ sent: answered(200), refused: answered(429) }, JSON.stringify(answers)).toEqual({
      sent: 5,
      refused: 15,
    });
    for (const res of answers) {
      if (res.status === 200) expect(res.body).toEqual({ sent: true, destination: expect.any(String) });
      else expect(res.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });
    }
    const texts = outbox().filter((entry) => entry.channel === 'sms' && entry.to === BOB_MOBILE);
    expect(texts).toHaveLength(5);
  });

  it('refuses on one instance a user locked out on the other (SPEC §2: 10 failures lock for an hour)', async () => {
    showLogsOnFailure();
    const onA = await signIn(a, LOCK_USER);
    const statuses: number[] = [];
    // Two codes, five wrong answers each (a code is void after five): ten consecutive failures.
    for (let round = 0; round < 2; round += 1) {
      const sent = await call(a, onA, 'POST', `${BASE}/confirm/send`, { method: 'email' });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const wrong = await call(a, onA, 'POST', `${BASE}/confirm/verify`, {
          method: 'email',
          code: '000000',
        });
        statuses.push(wrong.status);
      }
    }
    expect(statuses.slice(0, 9).every((status) => status === 400)).toBe(true);
    expect(statuses[9]).toBe(423);

    // A fresh sign-in on the other instance: the right code changes nothing while the lock holds.
    const onB = await signIn(b, LOCK_USER);
    const send = await call(b, onB, 'POST', `${BASE}/confirm/send`, { method: 'email' });
    expect(send.status, JSON.stringify(send.body)).toBe(423);
    expect(send.body).toMatchObject({ error: 'locked', message: LOCKED });
    const body = outbox().findLast((entry) => entry.to === `${LOCK_USER}@example.com`)?.body ?? '';
    const code = /\d{6}/.exec(body)?.[0] ?? '';
    const verify = await call(b, onB, 'POST', `${BASE}/confirm/verify`, { method: 'email', code });
    expect(verify.status, JSON.stringify(verify.body)).toBe(423);
    expect((await call(b, onB, 'GET', '/reports')).status).toBe(401);
  });

  it('finishes on one instance a challenge started on the other, and both then proxy the user', async () => {
    showLogsOnFailure();
    const jar = await signIn(a, EMAIL_USER);
    const sent = await call(a, jar, 'POST', `${BASE}/confirm/send`, { method: 'email' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.sent).toBe(true);

    // B knows the session A started, and that it is at the challenge.
    const onB = await call(b, jar, 'GET', `${BASE}/confirm`);
    expect(onB.status, JSON.stringify(onB.body)).toBe(200);
    expect(onB.body.methods).toContainEqual(expect.objectContaining({ id: 'email' }));

    const body = outbox().findLast((entry) => entry.channel === 'email' && entry.to === EMAIL_ADDRESS)?.body;
    const code = body === undefined ? undefined : /\d+/.exec(body)?.[0];
    if (code === undefined) throw new Error(`no email code was sent to ${EMAIL_ADDRESS}`);
    const verified = await call(b, jar, 'POST', `${BASE}/confirm/verify`, { method: 'email', code });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.next).toBe('done');

    for (const instance of [b, a]) {
      const path = `/reports/${instance.port}`;
      const res = await call(instance, jar, 'GET', path);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ url: path, headers: { 'x-stepgate-user': EMAIL_USER } });
      const reached = upstream.received.filter((req) => req.url === path);
      expect(reached).toHaveLength(1);
      expect(reached[0]?.headers['x-stepgate-user']).toBe(EMAIL_USER);
      expect(reached[0]?.headers['x-stepgate-confirmation']).toBe('email');
    }
  });
});
