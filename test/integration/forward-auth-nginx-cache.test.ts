/**
 * nginx (Debian's /usr/sbin/nginx) with docs/forward-auth/nginx.conf and the optional cache of
 * stepgate's answers, docs/forward-auth/nginx-verify-cache.conf, in front of a real stepgate and
 * an application: what the cache keeps, for whom, and for how long (docs/forward-auth.md).
 * Requests go over bare sockets (rawGet), so the Cookie and Host lines are sent exactly as written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readOutbox, showLogsOnFailure, signInToChallenge } from '../helpers/fleet.js';
import { BASE } from '../helpers/flow.js';
import { TEST_HASH } from '../helpers/gateway.js';
import { call } from '../helpers/http-client.js';
import { freePort, startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';
import { startNginx, verifyCacheSeconds, type ProxyProcess } from '../helpers/proxies.js';
import { rawGet, type RawResponse } from '../helpers/raw-http.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';
import { CONFIRM_EVERYONE } from './forward-auth-walk.js';

/** An entry point alice (a standard user) may not use: stepgate answers 403 for its host. */
const PARTNERS = 'partners.localhost';
const SECONDS = verifyCacheSeconds();

interface QuestionCounter {
  /** host:port, for nginx's {{stepgate}}. */
  host: string;
  /** How many verification questions have passed so far. */
  questions(): number;
  close(): Promise<void>;
}

/**
 * Between nginx and stepgate: passes every request on as it came and counts nginx's questions
 * (`/_stepgate/authz/`), so a test sees which answers came from the cache and which from stepgate.
 */
async function startQuestionCounter(stepgate: string): Promise<QuestionCounter> {
  const target = new URL(stepgate);
  const agent = new Agent({ keepAlive: true });
  let questions = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith(`${BASE}/authz/`)) questions++;
    const onward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    onward.on('error', () => res.destroy());
    req.pipe(onward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    questions: () => questions,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("nginx keeping stepgate's answers (docs/forward-auth/nginx-verify-cache.conf)", () => {
  let dir: string;
  let upstream: EchoUpstream;
  let stepgate: StepgateProcess;
  let counter: QuestionCounter;
  let nginx: ProxyProcess;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stepgate-nginx-cache-'));
    upstream = await startEchoUpstream();
    port = await freePort();
    const config = writeProcessConfig({
      dir,
      publicUrl: `http://127.0.0.1:${port}`,
      server: [
        'trusted_proxies: [127.0.0.1]',
        `entry_points: { partners: { hosts: [${PARTNERS}], user_types: [portal] } }`,
      ],
      upstream: `url: ${upstream.url}, public_paths: [/public/]`,
      users: `alice: { password_hash: ${JSON.stringify(TEST_HASH)}, email: alice@example.com }\n`,
      policy: CONFIRM_EVERYONE,
    });
    stepgate = await startStepgate({ config, env: {}, cwd: dir });
    counter = await startQuestionCounter(stepgate.url);
    nginx = await startNginx({
      dir,
      port,
      stepgate: counter.host,
      app: new URL(upstream.url).host,
      verifyCache: true,
    });
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await counter?.close();
    await stepgate?.stop();
    await upstream?.close();
    // The cache's files hold session cookies.
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => showLogsOnFailure(() => ({ stepgate })));

  /** A new session of alice's, signed in and confirmed by email: its `stepgate_session=...` pair. */
  async function confirmedSession(): Promise<string> {
    const jar = await signInToChallenge(stepgate, 'alice');
    const sent = await call(stepgate, jar, 'POST', `${BASE}/confirm/send`, { method: 'email' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const mail = readOutbox(join(dir, 'stepgate.outbox.jsonl')).findLast((e) => e.to === 'alice@example.com');
    const code = /\d{6}/.exec(mail?.body ?? '')?.[0] ?? '';
    const verified = await call(stepgate, jar, 'POST', `${BASE}/confirm/verify`, { method: 'email', code });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const session = /(?:^|; )(stepgate_session=[^;]+)/.exec(jar.header())?.[1];
    if (session === undefined) throw new Error(`no session cookie in ${jar.header()}`);
    return session;
  }

  /** One GET through nginx with exactly these Cookie lines (none: no Cookie at all). */
  function get(target: string, ...cookies: string[]): Promise<RawResponse> {
    return rawGet(
      nginx.url,
      target,
      cookies.map((value): [string, string] => ['Cookie', value]),
    );
  }

  /** Whether the request for `target` reached the application, and as whom. */
  function appSaw(target: string): { reached: boolean; user: string | undefined } {
    const path = target.startsWith('http') ? new URL(target).pathname : target;
    const seen = upstream.received.findLast((r) => r.url === path);
    return { reached: seen !== undefined, user: seen?.headers['x-stepgate-user'] as string | undefined };
  }

  function expectSignIn(res: RawResponse, target: string): void {
    expect(res.status, nginx.output()).toBe(302);
    expect(res.headers.location).toContain(`${BASE}/login`);
    expect(appSaw(target).reached).toBe(false);
  }

  it("keeps no answer that names nobody: a public path first, then a private one, gets the user's identity", async () => {
    const session = await confirmedSession();
    const first = await get('/public/first', session);
    expect(first.status, nginx.output()).toBe(200);
    expect(appSaw('/public/first')).toEqual({ reached: true, user: undefined });
    // Kept, the public path's answer would let this cookie through to any path as nobody.
    const second = await get('/private/second', session);
    expect(second.status, nginx.output()).toBe(200);
    expect(appSaw('/private/second')).toEqual({ reached: true, user: 'alice' });
  });

  it('never answers a request without the session cookie from the cache', async () => {
    const session = await confirmedSession();
    // After a tab nginx's $cookie_stepgate_session finds no cookie, and stepgate, which trims tabs
    // as cookie@0.7 does, finds alice's: her answer is kept under the key of no cookie.
    const tabbed = await get('/private/tabbed', `theme=dark;\t${session}`);
    expect(tabbed.status, nginx.output()).toBe(200);
    expect(appSaw('/private/tabbed').user).toBe('alice');
    // Read from the cache, it would let anyone without a session in as alice.
    expectSignIn(await get('/private/no-cookie'), '/private/no-cookie');
    expectSignIn(await get('/private/other-cookie', 'theme=dark'), '/private/other-cookie');
  });

  it('neither answers from nor keeps under the cache a session cookie sent twice', async () => {
    const victim = await confirmedSession();
    const value = (pair: string) => pair.slice(pair.indexOf('=') + 1);
    // A copy tossed in from a sibling host comes first. nginx keys by it (the first in any letter
    // case, or after a ',' it takes for a separator); stepgate reads the victim's and answers for it.
    for (const [planted, line] of [
      ['stepgate_session=planted-upper', `STEPGATE_SESSION=planted-upper; ${victim}`],
      ['stepgate_session=planted-comma', `theme=dark,stepgate_session=planted-comma; ${victim}`],
    ] as const) {
      const target = `/private/victim/${planted.slice(-5)}`;
      const res = await get(target, line);
      expect(res.status, nginx.output()).toBe(200);
      expect(appSaw(target).user).toBe('alice');
      // Kept under the planted value, the victim's answer, renewed session cookie included,
      // would be replayed to whoever planted it.
      const replay = `/private/planter/${planted.slice(-5)}`;
      const stolen = await get(replay, planted);
      expectSignIn(stolen, replay);
      expect(stolen.headers['set-cookie'] ?? '').not.toContain(value(victim));
    }
    // Two copies are no session for stepgate, whichever of them nginx has an answer kept for.
    const other = await confirmedSession();
    expect((await get('/private/other', other)).status).toBe(200);
    expectSignIn(await get('/private/both', `${other}; ${victim}`), '/private/both');
  });

  it('keys by the client’s address too: the same cookie from another address is asked about again', async () => {
    const session = await confirmedSession();
    expect((await get('/private/from-here', session)).status, nginx.output()).toBe(200);
    const asked = counter.questions();
    expect((await get('/private/from-here-again', session)).status).toBe(200);
    expect(counter.questions()).toBe(asked); // from the cache
    // Another client address: at another entry point, the policy's network rules judge it.
    const elsewhere = await rawGet(
      nginx.url,
      '/private/from-another-address',
      [['Cookie', session]],
      '127.0.0.2',
    );
    expect(elsewhere.status, nginx.output()).toBe(200);
    expect(counter.questions()).toBe(asked + 1);
    expect(appSaw('/private/from-another-address').user).toBe('alice');
  });

  it('keys by the host nginx serves and asks about, not a Host line that names another', async () => {
    const session = await confirmedSession();
    expect((await get('/private/here', session)).status, nginx.output()).toBe(200);
    // An absolute-form request line names the host nginx serves (and asks stepgate about); the
    // Host line names the one whose answer is kept. alice may not use the partners entry point.
    const elsewhere = `http://${PARTNERS}:${port}/private/elsewhere`;
    const res = await rawGet(nginx.url, elsewhere, [
      ['Host', `127.0.0.1:${port}`],
      ['Cookie', session],
    ]);
    expect(res.status, nginx.output()).toBe(403);
    expect(appSaw(elsewhere).reached).toBe(false);
  });

  it(`lets an ended session through for the ${SECONDS} s an answer is kept, then sends it to sign in`, async () => {
    const session = await confirmedSession();
    // Asked over more than the validity, nginx keeps the first answer, then a newer one once that
    // has expired: a new file, which open_file_cache, holding the old one open, must open anew.
    const first = counter.questions();
    const asking = Date.now();
    for (let i = 0; counter.questions() - first < 2; i++) {
      const target = `/private/before/${i}`;
      const res = await get(target, session);
      expect(res.status, nginx.output()).toBe(200);
      expect(appSaw(target).user).toBe('alice');
      if (Date.now() - asking > (SECONDS + 5) * 1000) throw new Error('nginx asked stepgate only once');
      await sleep(200);
    }

    // Signed out in stepgate just after nginx kept its newer answer: the session is gone there.
    const out = await fetch(`${nginx.url}${BASE}/logout`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Cookie: session },
      body: '{}',
    });
    expect(out.status, await out.text()).toBe(200);
    const signedOut = Date.now();
    const asked = counter.questions();
    const kept = await get('/private/after', session);
    expect(kept.status, nginx.output()).toBe(200);
    expect(appSaw('/private/after').user).toBe('alice');
    expect(counter.questions(), 'answered by stepgate, not from the cache').toBe(asked);

    // Refused once the kept answer has expired (nginx counts whole seconds), and never later.
    const deadline = signedOut + (SECONDS + 2) * 1000;
    for (let i = 0; ; i++) {
      const target = `/private/after/${i}`;
      const res = await get(target, session);
      if (res.status !== 200) {
        expectSignIn(res, target);
        break;
      }
      expect(appSaw(target).user).toBe('alice');
      expect(Date.now(), 'still let through past the validity').toBeLessThan(deadline);
      await sleep(100);
    }
  });
});
