/**
 * createStepgate (lib/stepgate.ts): the gateway `serve` runs, built in-process from a config
 * object or file, with the CLI's validation and messages, inline users and policy, a clock the
 * whole gateway reads, and a real socket when asked.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepgate, StepgateConfigError, type Stepgate } from '../../lib/index.js';
import { TestClock, TestOutbox, silentLogger, testConfig } from '../../lib/testing/index.js';
import { runStepgate } from '../helpers/cli.js';
import { TEST_HASH, TEST_PASSWORD } from '../helpers/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

const USERS = { alice: { password_hash: TEST_HASH, email: 'alice@example.com' } };
const NO_PROMPT = { version: 1, mobile_registration: { prompt: false } } as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(): Promise<EchoUpstream> {
  const echo = await startEchoUpstream();
  cleanups.push(() => echo.close());
  return echo;
}

async function built(promise: Promise<Stepgate>): Promise<Stepgate> {
  const stepgate = await promise;
  cleanups.push(() => stepgate.close());
  return stepgate;
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StepgateConfigError);
  return (error as StepgateConfigError).message.split('\n');
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stepgate-lib-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('createStepgate validates as the CLI does', () => {
  it('lists every problem of the config, users and policy objects at once, each at its key path', async () => {
    const problems = await problemsOf(
      createStepgate(
        { upstream: { url: 'ftp://app' }, session: { secret: 'short', idle_timeout: '30 minutes please' } },
        {
          users: { alice: { password_hash: 'plain text' } },
          policy: { version: 1, rules: [{ name: 'x', then: 'maybe' }] } as never,
          logger: silentLogger,
        },
      ),
    );
    expect(problems).toEqual([
      "config: upstream.url: must be an http:// or https:// URL but it is 'ftp://app'",
      'config: session.secret: must be at least 32 characters (use a long random value) but it has 5 characters',
      "config: session.idle_timeout: must be a duration like '30m' (s, m, h or d) but it is '30 minutes please'",
      "users: alice.password_hash: must be a hash made by 'stepgate hash-password' but it has 10 characters",
      expect.stringMatching(/^policy: rules\[0\]\.then: must be one of .* but it is 'maybe'$/),
    ]);
  });

  it('says what `stepgate serve` says about the same file, in the same words', async () => {
    const dir = await tempDir();
    const file = join(dir, 'stepgate.yaml');
    await writeFile(
      file,
      'upstream: { url: http://127.0.0.1:3000 }\nsession:\n  secret: ${SECRET}\n  idle_timeout: soon\n',
    );
    const env = { SECRET: 'a session secret that is long enough' };
    const problems = await problemsOf(createStepgate(file, { env, logger: silentLogger }));
    const cli = await runStepgate(['serve', '--config', file], { env });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(`stepgate: ${problems.join('\n')}\n`);
    expect(problems).toContain(
      `${file}:4:17: session.idle_timeout: must be a duration like '30m' (s, m, h or d) but it is 'soon'`,
    );
  });

  it('refuses a users file and inline users together, and a policy file and an inline policy', async () => {
    const problems = await problemsOf(
      createStepgate(
        testConfig({
          upstream: { url: 'http://127.0.0.1:3000' },
          logins: { direct: { users_file: './users.yaml' } },
          policy_file: './policy.yaml',
        }),
        { users: USERS, policy: NO_PROMPT, logger: silentLogger },
      ),
    );
    expect(problems).toEqual([
      'config: logins.direct: must not be set when users are given inline (options.users)',
      'config: policy_file: must not be set when the policy is given inline (options.policy)',
    ]);
  });

  it('still wants some way to sign in when no users are given inline', async () => {
    const problems = await problemsOf(
      createStepgate(testConfig({ upstream: { url: 'http://127.0.0.1:3000' } }), { logger: silentLogger }),
    );
    expect(problems).toEqual([
      'config: logins: must configure at least one of direct, delegated, saml or oidc, or nobody can sign in',
    ]);
  });
});

describe('the gateway it builds', () => {
  it('signs inline users in under an inline policy and forwards them to the upstream', async () => {
    const echo = await upstream();
    const outbox = new TestOutbox();
    const stepgate = await built(
      createStepgate(testConfig({ upstream: { url: echo.url } }), {
        users: USERS,
        policy: { version: 1, rules: [{ name: 'everyone', then: 'skip' }] },
        sms: outbox,
        email: outbox,
        logger: silentLogger,
      }),
    );
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    const login = await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    expect(login.body).toMatchObject({ next: 'done' });
    expect((await agent.get('/page')).body.headers['x-stepgate-user']).toBe('alice');
  });

  it('runs on the clock it is given: a code expires when that clock passes ten minutes', async () => {
    const echo = await upstream();
    const clock = new TestClock();
    const outbox = new TestOutbox(clock);
    const stepgate = await built(
      createStepgate(testConfig({ upstream: { url: echo.url } }), {
        users: USERS,
        policy: NO_PROMPT,
        clock,
        sms: outbox,
        email: outbox,
        logger: silentLogger,
      }),
    );
    expect(stepgate.ports.clock).toBe(clock);
    const agent = request.agent(stepgate.app).set('Accept', 'application/json');
    await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    await agent.post('/_stepgate/confirm/send').send({ method: 'email' });
    const code = await outbox.nextCode({ to: 'alice@example.com', channel: 'email' });
    clock.advance('10m');
    const late = await agent.post('/_stepgate/confirm/verify').send({ method: 'email', code });
    expect(late.status).toBe(400);
    expect(late.body.message).toBe('There is no active code. Request a new code.');
    const [entry] = await stepgate.ports.store.queryHistory({ user: 'alice', limit: 1 });
    expect(entry?.time).toEqual(clock.now());
  });

  it('listens on a real socket when asked, and close() frees it', async () => {
    const echo = await upstream();
    const stepgate = await createStepgate(testConfig({ upstream: { url: echo.url } }), {
      users: USERS,
      logger: silentLogger,
    });
    const { url, port } = await stepgate.listen(0, '127.0.0.1');
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${url}/_stepgate/healthz`)).status).toBe(200);
    await stepgate.close();
    await expect(fetch(`${url}/_stepgate/healthz`)).rejects.toThrow();
  });
});
