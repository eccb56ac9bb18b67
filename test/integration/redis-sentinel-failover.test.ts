/**
 * Redis Sentinel failover under two real `stepgate serve` processes (session.redis.sentinels):
 * a master, a replica and three sentinels from Debian's binaries (test/helpers/redis-topology.ts).
 * The master is killed (SIGKILL) while both gateways serve traffic. What a user must see:
 * - during the failover, requests that need Redis get 503 `unavailable`: never a request passed
 *   to the upstream without its session, never a 500;
 * - service comes back by itself once the sentinels have promoted the replica, without
 *   restarting either gateway;
 * - a session and an SMS allowance written before the failover (and replicated: see
 *   docs/redis.md on what asynchronous replication can lose) are still there after it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, BOB_MOBILE, RATE_LIMITED } from '../helpers/flow.js';
import {
  readOutbox,
  runCleanups,
  showLogsOnFailure,
  signInToChallenge,
  startPair,
  writeFleetFiles,
  type Cleanups,
} from '../helpers/fleet.js';
import { TEST_HASH } from '../helpers/gateway.js';
import { call, CookieJar, type Answer } from '../helpers/http-client.js';
import type { StepgateProcess } from '../helpers/processes.js';
import { startSentinelSetup, type SentinelSetup } from '../helpers/redis-topology.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

const postgresServerUrl =
  process.env.STEPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SLOW = 120_000;
/** Long enough for any failover of this set-up (1 s to notice, a few to elect); never asserted. */
const RECOVERY_DEADLINE_MS = 45_000;

const run = randomBytes(6).toString('hex');
const SMS_USER = `failover-sms-${run}`;
const EMAIL_USER = `failover-email-${run}`;
const database = `stepgate_failover_${run}`;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-sentinel-failover-'));
const outboxPath = join(dir, 'outbox.jsonl');

const cleanups: Cleanups = [() => rmSync(dir, { recursive: true, force: true })];
let redis: SentinelSetup;
let upstream: EchoUpstream;
let a: StepgateProcess;
let b: StepgateProcess;

function withPath(serverUrl: string, path: string): string {
  const url = new URL(serverUrl);
  url.pathname = path;
  return url.toString();
}

function writeConfig(upstreamUrl: string, setup: SentinelSetup): string {
  const sentinels = setup.sentinels.map((node) => `{ host: ${node.host}, port: ${node.port} }`).join(', ');
  return writeFleetFiles({
    dir,
    users: [
      `${SMS_USER}: { password_hash: '${TEST_HASH}', email: ${SMS_USER}@example.com, mobile: '${BOB_MOBILE}' }`,
      `${EMAIL_USER}: { password_hash: '${TEST_HASH}', email: ${EMAIL_USER}@example.com }`,
    ],
    upstreamUrl,
    session: ['store: redis', 'redis:', `  sentinels: [${sentinels}]`, `  master_name: ${setup.masterName}`],
    databaseUrl: withPath(postgresServerUrl, `/${database}`),
    outboxPath,
  });
}

beforeAll(async () => {
  redis = await startSentinelSetup();
  cleanups.push(() => redis.stop());

  const postgres = new Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 10_000 });
  await postgres.connect();
  cleanups.push(() => postgres.end());
  await postgres.query(`CREATE DATABASE ${database}`);
  cleanups.push(() => postgres.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  upstream = await startEchoUpstream();
  cleanups.push(() => upstream.close());

  const config = writeConfig(upstream.url, redis);
  const env = {
    STEPGATE_SESSION_SECRET: randomBytes(32).toString('base64url'),
    STEPGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  [a, b] = await startPair({ config, env, cwd: dir }, cleanups);
}, SLOW);

afterAll(() => runCleanups(cleanups, 'the failover test'), SLOW);

const outbox = () => readOutbox(outboxPath);
const signIn = signInToChallenge;

/** Signs EMAIL_USER in on A and confirms on B: a session both instances proxy. */
async function confirmedSession(): Promise<CookieJar> {
  const jar = await signIn(a, EMAIL_USER);
  const sent = await call(a, jar, 'POST', `${BASE}/confirm/send`, { method: 'email' });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  const body = outbox().findLast((entry) => entry.to === `${EMAIL_USER}@example.com`)?.body ?? '';
  const code = /\d{6}/.exec(body)?.[0] ?? '';
  const verified = await call(b, jar, 'POST', `${BASE}/confirm/verify`, { method: 'email', code });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return jar;
}

/** What one round of traffic during the failover got, from both instances. */
interface Observed {
  instance: string;
  who: 'signed in' | 'anonymous';
  answer: Answer;
}

describe('two stepgate processes over Redis Sentinel, when the master is killed', { timeout: SLOW }, () => {
  it('answer 503 during the failover, never a pass, and serve again by themselves with sessions and limits kept', async () => {
    showLogsOnFailure(() => ({ A: a, B: b }));
    const jar = await confirmedSession();
    for (const instance of [a, b]) {
      const res = await call(instance, jar, 'GET', '/reports/before');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    // Five SMS of the hour spent, the sixth refused (SPEC §1.5), across both instances.
    const smsJar = await signIn(a, SMS_USER);
    for (let send = 0; send < 5; send += 1) {
      const instance = send % 2 === 0 ? a : b;
      const res = await call(instance, smsJar, 'POST', `${BASE}/confirm/send`, { method: 'sms' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    expect((await call(b, smsJar, 'POST', `${BASE}/confirm/send`, { method: 'sms' })).status).toBe(429);

    // What was written has reached the replica; then the master dies without a word.
    await redis.waitForReplication();
    const reachedBefore = upstream.received.length;
    await redis.killMaster();

    const observed: Observed[] = [];
    const deadline = Date.now() + RECOVERY_DEADLINE_MS;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      const round = await Promise.all(
        [
          ['A', a],
          ['B', b],
        ].flatMap(([name, instance]) => [
          call(instance as StepgateProcess, jar, 'GET', `/reports/during`).then((answer): Observed => ({
            instance: name as string,
            who: 'signed in',
            answer,
          })),
          call(instance as StepgateProcess, new CookieJar(), 'GET', `/reports/anonymous`).then(
            (answer): Observed => ({ instance: name as string, who: 'anonymous', answer }),
          ),
        ]),
      );
      observed.push(...round);
      recovered = round
        .filter((seen) => seen.who === 'signed in')
        .every((seen) => seen.answer.status === 200);
      if (!recovered) await sleep(100);
    }
    const summary = JSON.stringify(observed.map((seen) => [seen.instance, seen.who, seen.answer.status]));
    expect(recovered, `no recovery by itself: ${summary}`).toBe(true);
    expect(await redis.currentMasterPort()).toBe(redis.replicaPort);

    // The failover was seen, and seen as 503 unavailable: never a 500, never a pass.
    const refused = observed.filter((seen) => seen.answer.status === 503);
    expect(refused.length, summary).toBeGreaterThan(0);
    for (const seen of refused) expect(seen.answer.body).toMatchObject({ error: 'unavailable' });
    for (const seen of observed) {
      if (seen.who === 'anonymous') expect([401, 503], summary).toContain(seen.answer.status);
      else expect([200, 503], summary).toContain(seen.answer.status);
    }
    // Only the signed-in user's requests reached the upstream, each with that user's identity.
    const reached = upstream.received.slice(reachedBefore);
    expect(
      reached.map((req) => req.url).every((url) => url === '/reports/during'),
      summary,
    ).toBe(true);
    for (const req of reached) expect(req.headers['x-stepgate-user']).toBe(EMAIL_USER);

    // After the failover: the session still works on both, the SMS allowance is still spent.
    for (const instance of [a, b]) {
      const res = await call(instance, jar, 'GET', '/reports/after');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ headers: { 'x-stepgate-user': EMAIL_USER } });
      const sixth = await call(instance, smsJar, 'POST', `${BASE}/confirm/send`, { method: 'sms' });
      expect(sixth.status, JSON.stringify(sixth.body)).toBe(429);
      expect(sixth.body).toMatchObject({ error: 'rate_limited', message: RATE_LIMITED });
    }
    expect(outbox().filter((entry) => entry.channel === 'sms' && entry.to === BOB_MOBILE)).toHaveLength(5);
    // Both report ready again, without a restart.
    for (const instance of [a, b]) {
      expect((await fetch(`${instance.url}${BASE}/readyz`)).status).toBe(200);
    }
  });
});
