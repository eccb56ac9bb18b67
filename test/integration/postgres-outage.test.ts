/**
 * A real `stepgate serve` process whose PostgreSQL goes away, through a TCP proxy that refuses
 * connections (the server down) or swallows bytes (the server paused, the network partitioned):
 * requests get 503 `store_unavailable` in bounded time, never a 500 with a stack trace, `readyz`
 * answers not-ready instead of hanging, and service comes back by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import { BASE } from '../helpers/flow.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';
import { call, CookieJar, type Answer } from '../helpers/http-client.js';
import { startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';
import { DEFAULT_POSTGRES_URL } from '../helpers/services.js';

const serverUrl = process.env.STEPGATE_TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const database = `stepgate_outage_${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'stepgate-postgres-outage-'));
const STORE_UNAVAILABLE = {
  error: 'store_unavailable',
  message: 'Sign-in is unavailable right now because its database is not answering. Try again shortly.',
};

let admin: Client;
let proxy: FaultProxy;
let gateway: StepgateProcess;

function writeConfig(storeUrl: string): string {
  return writeProcessConfig({
    dir,
    upstream: 'url: http://127.0.0.1:9',
    store: `type: postgres, url: ${JSON.stringify(storeUrl)}, query_timeout: 1s`,
    users: `alice: { password_hash: '${TEST_HASH}', email: alice@example.com }\n`,
    policy: 'version: 1\nmobile_registration: { prompt: false }\n',
  });
}

beforeAll(async () => {
  admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const server = new URL(serverUrl);
  proxy = await startFaultProxy({ host: server.hostname, port: Number(server.port || 5432) });
  const viaProxy = new URL(serverUrl);
  viaProxy.host = `${proxy.host}:${proxy.port}`;
  viaProxy.pathname = `/${database}`;
  gateway = await startStepgate({ config: writeConfig(viaProxy.toString()), env: {}, cwd: dir });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await proxy?.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  rmSync(dir, { recursive: true, force: true });
});

function signIn(): Promise<Answer> {
  return call(gateway, new CookieJar(), 'POST', `${BASE}/login`, {
    username: 'alice',
    password: TEST_PASSWORD,
  });
}

function readyz(): Promise<Answer> {
  return call(gateway, new CookieJar(), 'GET', `${BASE}/readyz`);
}

function showLogOnFailure(): void {
  onTestFailed(() => {
    process.stderr.write(`\n--- stepgate ---\n${gateway.output()}\n`);
  });
}

/** No stack trace and no unexpected error reached the log. */
function expectCleanLog(): void {
  expect(gateway.output()).not.toMatch(/unexpected error|internal_error|\n\s+at /);
}

async function expectServiceBack(): Promise<void> {
  await proxy.pass();
  await vi.waitFor(async () => expect((await signIn()).status).toBe(200), { timeout: 15_000, interval: 200 });
  expect((await readyz()).status).toBe(200);
}

describe('PostgreSQL going away under a real process', { timeout: 60_000 }, () => {
  it('answers 503 store_unavailable while PostgreSQL refuses connections, and recovers', async () => {
    showLogOnFailure();
    expect((await signIn()).status).toBe(200);
    await proxy.refuse();

    const refused = await signIn();
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual(STORE_UNAVAILABLE);
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toMatchObject({ store: 'unavailable' });
    expectCleanLog();

    await expectServiceBack();
  });

  it('answers every request, 503, while PostgreSQL hangs, and readyz does not hang either', async () => {
    showLogOnFailure();
    expect((await signIn()).status).toBe(200);
    proxy.hang();

    // More requests than the pool has connections: the ones waiting for a connection are bounded too.
    const answers = await Promise.all([...Array<undefined>(12)].map(() => signIn()));
    expect(answers.map((answer) => answer.status)).toEqual(Array<number>(12).fill(503));
    for (const answer of answers) expect(answer.body).toEqual(STORE_UNAVAILABLE);
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toMatchObject({ store: 'unavailable' });
    expectCleanLog();

    await expectServiceBack();
  });
});
