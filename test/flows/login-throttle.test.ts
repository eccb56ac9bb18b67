/**
 * Password guessing is throttled (policy `sign_in_throttle`): failed sign-ins per username, however
 * it is typed, and per source network, in a rolling window. A throttled sign-in gets 429 whatever
 * the password and whether the name exists; direct and LDAP sign-ins alike (the LDAP case is in
 * ldap-login.test.ts, with its directory); a limiter that cannot answer fails closed.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from '../../adapters/memory/limiter.js';
import {
  DependencyUnavailableError,
  DirectoryUnavailableError,
  type Directory,
} from '../../gateway/ports.js';
import { BASE, MINUTE, flowGateway, sessionCookie, submitForm, type FlowGateway } from '../helpers/flow.js';
import { TEST_PASSWORD } from '../helpers/gateway.js';

const THROTTLED = {
  error: 'sign_in_throttled',
  message: 'Too many sign-in attempts have failed. Wait a while, then try again.',
};
const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const LOOPBACK = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

/** A gateway behind a trusted proxy, so each request can say which client it comes from. */
function throttledGateway(options: Parameters<typeof flowGateway>[0] = {}): Promise<FlowGateway> {
  return flowGateway({ policy: SKIP_ALL, config: { server: { trusted_proxies: LOOPBACK } }, ...options });
}

function login(gw: FlowGateway, username: string, password: string, from = '203.0.113.7') {
  return request(gw.app)
    .post(`${BASE}/login`)
    .set('Accept', 'application/json')
    .set('X-Forwarded-For', from)
    .send({ username, password });
}

async function failTimes(gw: FlowGateway, times: number, username: string, from?: string) {
  for (let i = 0; i < times; i += 1) {
    const res = await login(gw, username, `wrong ${i}`, from);
    expect(res.status, JSON.stringify(res.body)).toBe(401);
  }
}

function throttledHistory(gw: FlowGateway, user: string) {
  return gw.store
    .queryHistory({ user, limit: 100 })
    .then((entries) => entries.filter((e) => e.status === 'RateLimited'));
}

describe('throttling failed passwords per username', () => {
  it('refuses the right password after 10 wrong ones, with 429 and no session', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'alice');
    const res = await login(gw, 'alice', TEST_PASSWORD);
    expect(res.status).toBe(429);
    expect(res.body).toEqual(THROTTLED);
    expect(sessionCookie(res)).toBeUndefined();
    expect((await login(gw, 'alice', 'still wrong')).body).toEqual(THROTTLED);
  });

  it('throttles an unknown name exactly like a known one: the throttle names nobody', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'nobody');
    await failTimes(gw, 10, 'alice', '198.51.100.9');
    const unknown = await login(gw, 'nobody', TEST_PASSWORD);
    const known = await login(gw, 'alice', TEST_PASSWORD, '198.51.100.9');
    expect([unknown.status, known.status]).toEqual([429, 429]);
    expect(unknown.body).toEqual(known.body);
  });

  it('counts a name however it is typed', async () => {
    const gw = await throttledGateway();
    const spellings = ['alice', 'ALICE', ' Alice ', 'ａｌｉｃｅ', 'al\u200bice'];
    for (let i = 0; i < 10; i += 1) {
      const res = await login(gw, spellings[i % spellings.length] ?? 'alice', 'wrong');
      expect(res.status).toBe(401);
    }
    expect((await login(gw, 'Alice', TEST_PASSWORD)).status).toBe(429);
  });

  it('lets exactly 10 of 30 concurrent wrong passwords be checked', async () => {
    const gw = await throttledGateway();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(gw, 'alice', `guess ${i}`).then((res) => res.status)),
    );
    expect(answers.filter((status) => status === 401)).toHaveLength(10);
    expect(answers.filter((status) => status === 429)).toHaveLength(20);
  });

  it('opens again once the failures have left the 15-minute window', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'alice');
    gw.clock.advance(15 * MINUTE - 1);
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(429);
    gw.clock.advance(15 * MINUTE);
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
  });

  it('keeps counting refused attempts, so a guesser who keeps going keeps it shut', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'alice');
    for (let minute = 1; minute <= 14; minute += 1) {
      gw.clock.advance(MINUTE);
      expect((await login(gw, 'alice', 'another guess')).status).toBe(429);
    }
    gw.clock.advance(2 * MINUTE);
    // The first 10 have left; the 14 refused since have not.
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(429);
  });

  it('ends the run of failures with a right password', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 9, 'alice');
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
    await failTimes(gw, 10, 'alice');
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(429);
  });

  it('takes its numbers from the policy', async () => {
    const gw = await throttledGateway({
      policy: { ...SKIP_ALL, sign_in_throttle: { per_user: { count: 3, per: '1h' } } },
    });
    await failTimes(gw, 3, 'alice');
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(429);
    gw.clock.advance(30 * MINUTE);
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(429);
  });

  it('writes RateLimited to the history once, when the throttle starts', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'alice');
    expect(await throttledHistory(gw, 'alice')).toEqual([]);
    await login(gw, 'alice', TEST_PASSWORD);
    await login(gw, 'alice', 'again');
    const entries = await throttledHistory(gw, 'alice');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      method: 'password',
      sourceIp: '203.0.113.7',
      detail: 'sign-in throttled: failed passwords, more than 10 for this username within 15m',
    });
  });

  it('shows a browser the sign-in form again with the same sentence and 429', async () => {
    const gw = await throttledGateway();
    await failTimes(gw, 10, 'alice', '127.0.0.1');
    const res = await submitForm(request.agent(gw.app), `${BASE}/login`, `${BASE}/login`, {
      username: 'alice',
      password: TEST_PASSWORD,
    });
    expect(res.status).toBe(429);
    expect(res.text).toContain(THROTTLED.message);
    expect(res.text).toContain('<form method="post"');
  });
});

describe('throttling failed passwords per source network', () => {
  const FIVE_PER_NETWORK = {
    ...SKIP_ALL,
    sign_in_throttle: { per_network: { count: 5, per: '15m' } },
  };

  it('refuses every name from a network that failed too often, and no other network', async () => {
    const gw = await throttledGateway({ policy: FIVE_PER_NETWORK });
    for (const name of ['ann', 'ben', 'cho', 'dan', 'eli']) await failTimes(gw, 1, name);
    expect((await login(gw, 'alice', TEST_PASSWORD)).body).toEqual(THROTTLED);
    expect((await login(gw, 'alice', TEST_PASSWORD, '203.0.113.8')).status).toBe(200);
  });

  it('groups IPv6 clients by their /64', async () => {
    const gw = await throttledGateway({ policy: FIVE_PER_NETWORK });
    for (let i = 1; i <= 5; i += 1) await failTimes(gw, 1, `user${i}`, `2001:db8:1:2::${i}`);
    expect((await login(gw, 'alice', TEST_PASSWORD, '2001:db8:1:2:ffff::1')).status).toBe(429);
    expect((await login(gw, 'alice', TEST_PASSWORD, '2001:db8:1:3::1')).status).toBe(200);
  });

  it("does not let one account's right password reset the network's count", async () => {
    const gw = await throttledGateway({ policy: FIVE_PER_NETWORK });
    for (const name of ['ann', 'ben', 'cho', 'dan']) await failTimes(gw, 1, name);
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
    await failTimes(gw, 1, 'eli');
    expect((await login(gw, 'eve', TEST_PASSWORD)).status).toBe(429);
  });

  it("does not count a right password against the network: a busy office's sign-ins are not failures", async () => {
    const gw = await throttledGateway({ policy: FIVE_PER_NETWORK });
    for (let i = 0; i < 8; i += 1) expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
    await failTimes(gw, 4, 'ann');
    expect((await login(gw, 'eve', TEST_PASSWORD)).status).toBe(200);
  });
});

describe('when the limiter or the directory cannot answer', () => {
  it('fails closed with 503 while the limiter store is down, even for the right password', async () => {
    const limiter = new MemoryLimiter();
    limiter.recordFailure = () => Promise.reject(new DependencyUnavailableError('redis'));
    const gw = await throttledGateway({ limiter });
    const res = await login(gw, 'alice', TEST_PASSWORD);
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('unavailable');
    expect(sessionCookie(res)).toBeUndefined();
  });

  it('takes back the failure it did record when the other count could not be written', async () => {
    const limiter = new MemoryLimiter();
    const record = limiter.recordFailure.bind(limiter);
    let networkDown = true;
    limiter.recordFailure = (key, windowMs, now) =>
      networkDown && key.includes('network')
        ? Promise.reject(new DependencyUnavailableError('redis'))
        : record(key, windowMs, now);
    const gw = await throttledGateway({ limiter });
    for (let i = 0; i < 12; i += 1) expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(503);
    networkDown = false;
    expect((await login(gw, 'alice', TEST_PASSWORD)).status).toBe(200);
  });

  it('does not count a sign-in the directory could not decide as a failure', async () => {
    let up = false;
    const directory: Directory = {
      authenticate: async (username, password) => {
        if (!up) throw new DirectoryUnavailableError('down');
        return username === 'dora' && password === 'dora password'
          ? { username: 'dora', userType: 'standard', groups: [], permissionSets: [] }
          : undefined;
      },
      ping: async () => undefined,
    };
    const gw = await throttledGateway({ directory });
    for (let i = 0; i < 12; i += 1) expect((await login(gw, 'dora', 'dora password')).status).toBe(503);
    up = true;
    expect((await login(gw, 'dora', 'dora password')).status).toBe(200);
  });
});
