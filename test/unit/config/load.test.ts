import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedConfigSchema, loadConfig, resolveConfigPath } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const MINIMAL = [
  'upstream: { url: http://127.0.0.1:3000 }',
  `session: { secret: ${SECRET} }`,
  'logins:',
  '  direct: { users_file: ./users.yaml }',
];

function check(lines: string[]) {
  const result = parseYamlText(lines.join('\n'), 'stepgate.yaml', checkedConfigSchema, { env: {} });
  return result.ok ? { value: result.value } : { problems: result.problems.map(formatProblem) };
}

describe('stepgate.yaml', () => {
  it('fills every default of a minimal file', () => {
    expect(check(MINIMAL)).toEqual({
      value: {
        server: {
          listen: '127.0.0.1:8080',
          public_url: 'http://localhost:8080',
          base_path: '/_stepgate',
          trusted_proxies: [],
          allowed_return_hosts: [],
          metrics_networks: ['127.0.0.0/8', '::1/128'],
          shutdown_timeout: 10_000,
          headers_timeout: 20_000,
          request_timeout: 5 * 60_000,
          keep_alive_timeout: 5_000,
          entry_points: {},
        },
        upstream: { url: 'http://127.0.0.1:3000', public_paths: [], timeout: 30_000 },
        session: {
          store: 'memory',
          secret: SECRET,
          cookie_name: 'stepgate_session',
          cookie_domain: '',
          idle_timeout: 30 * 60_000,
          absolute_timeout: 12 * 3_600_000,
          max_sessions: 100_000,
        },
        store: {
          type: 'sqlite',
          path: './var/stepgate.db',
          url: 'postgres://localhost/stepgate',
          query_timeout: 2_000,
          history_retention: 180 * 86_400_000,
        },
        logins: { direct: { users_file: './users.yaml' } },
        notifications: {
          sms: { provider: 'outbox' },
          email: { provider: 'outbox' },
          outbox_path: './var/outbox.jsonl',
        },
        admin: { api_tokens: [] },
        webauthn: { rp_name: 'stepgate' },
        branding: { colours: { accent: '#2450b2', background: '#f5f6f8' }, language: 'en' },
      },
    });
  });

  it('reads durations in s, m, h and d into milliseconds', () => {
    const lines = [
      'upstream: { url: http://a.test, timeout: 90s }',
      `session: { secret: ${SECRET}, idle_timeout: 2h, absolute_timeout: 7d }`,
      ...MINIMAL.slice(2),
    ];
    const result = check(lines);
    expect(result.value && [result.value.upstream.timeout, result.value.session.idle_timeout]).toEqual([
      90_000, 7_200_000,
    ]);
    expect(result.value?.session.absolute_timeout).toBe(604_800_000);
  });

  it('refuses a duration without a unit or with an unknown one', () => {
    const lines = [
      MINIMAL[0]!,
      'session:',
      `  secret: ${SECRET}`,
      '  idle_timeout: 30',
      '  absolute_timeout: 1w',
      ...MINIMAL.slice(2),
    ];
    expect(check(lines)).toEqual({
      problems: [
        "stepgate.yaml:4:17: session.idle_timeout: must be a duration like '30m' (s, m, h or d) but it is '30'",
        "stepgate.yaml:5:21: session.absolute_timeout: must be a duration like '30m' (s, m, h or d) but it is '1w'",
      ],
    });
  });

  it('refuses a zero duration, which would delete all history or end every session at once', () => {
    const lines = [...MINIMAL, 'store: { history_retention: 0d }'];
    const result = check(lines);
    expect(result.problems).toHaveLength(1);
    expect(result.problems?.[0]).toContain(
      "store.history_retention: must be longer than zero but it is '0d'",
    );
  });

  it('names the allowed values and the bad one for every choice', () => {
    const lines = [
      ...MINIMAL,
      'store: { type: mysql }',
      'notifications:',
      '  sms: { provider: nexmo }',
      '  email: { provider: sendmail }',
    ];
    expect(check(lines)).toEqual({
      problems: [
        "stepgate.yaml:5:16: store.type: must be one of 'sqlite', 'postgres' but it is 'mysql'",
        "stepgate.yaml:7:20: notifications.sms.provider: must be one of 'outbox', 'twilio' but it is 'nexmo'",
        "stepgate.yaml:8:22: notifications.email.provider: must be one of 'outbox', 'smtp' but it is 'sendmail'",
      ],
    });
  });

  it('checks addresses, URLs and paths', () => {
    const lines = [
      'server:',
      '  listen: localhost',
      '  public_url: localhost:8080',
      '  base_path: /_stepgate/',
      '  trusted_proxies: [10.0.0.0/8, 10.0.0.0/33, 300.1.1.1, nonsense]',
      ...MINIMAL,
    ];
    expect(check(lines)).toEqual({
      problems: [
        "stepgate.yaml:2:11: server.listen: must be 'host:port' such as '127.0.0.1:8080' but it is 'localhost'",
        "stepgate.yaml:3:15: server.public_url: must be an http:// or https:// URL but it is 'localhost:8080'",
        "stepgate.yaml:4:14: server.base_path: must start with '/' and not end with '/' but it is '/_stepgate/'",
        "stepgate.yaml:5:33: server.trusted_proxies[1]: must be an IP address or a CIDR block such as 10.0.0.0/8 but it is '10.0.0.0/33'",
        "stepgate.yaml:5:46: server.trusted_proxies[2]: must be an IP address or a CIDR block such as 10.0.0.0/8 but it is '300.1.1.1'",
        "stepgate.yaml:5:57: server.trusted_proxies[3]: must be an IP address or a CIDR block such as 10.0.0.0/8 but it is 'nonsense'",
      ],
    });
  });

  describe('rules across keys', () => {
    it('needs at least one way to sign in', () => {
      expect(check(MINIMAL.slice(0, 2))).toEqual({
        problems: [
          'stepgate.yaml: logins: must configure at least one of direct, delegated, saml or oidc, or nobody can sign in',
        ],
      });
    });

    it('needs a redis URL for the redis session store and a postgres URL for postgres', () => {
      const lines = [
        MINIMAL[0]!,
        `session: { secret: ${SECRET}, store: redis, redis_url: "http://cache:6379" }`,
        'store: { type: postgres, url: "mysql://db/stepgate" }',
        ...MINIMAL.slice(2),
      ];
      expect(check(lines)).toEqual({
        problems: [
          "stepgate.yaml:2:89: session.redis_url: must be a redis:// or rediss:// URL when session.store is redis but it is 'http://cache:6379'",
          "stepgate.yaml:3:31: store.url: must be a postgres:// URL when store.type is postgres but it is 'mysql://db/stepgate'",
        ],
      });
    });

    it('refuses an idle timeout longer than the absolute one', () => {
      const lines = [MINIMAL[0]!, `session: { secret: ${SECRET}, idle_timeout: 1d }`, ...MINIMAL.slice(2)];
      expect(check(lines)).toEqual({
        problems: [
          "stepgate.yaml:2:78: session.idle_timeout: must not be longer than session.absolute_timeout (12h) but it is '1d'",
        ],
      });
    });

    it('refuses a host claimed by two entry points', () => {
      const lines = [
        'server:',
        '  entry_points:',
        '    portal: { hosts: [portal.localhost] }',
        '    partners: { hosts: [partners.localhost, Portal.localhost] }',
        ...MINIMAL,
      ];
      expect(check(lines)).toEqual({
        problems: [
          "stepgate.yaml:4:45: server.entry_points.partners.hosts[1]: 'Portal.localhost' already belongs to entry point 'portal'",
        ],
      });
    });
  });
});

describe('loadConfig', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'stepgate-load-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('loads a file with the given environment', async () => {
    const file = join(directory, 'stepgate.yaml');
    await writeFile(file, MINIMAL.join('\n').replace(SECRET, '"${SECRET}"'));
    const result = await loadConfig(file, { SECRET });
    expect(result.ok && result.value.session.secret).toBe(SECRET);
    const unset = await loadConfig(file, {});
    expect(unset.ok ? [] : unset.problems.map(formatProblem)).toEqual([
      `${file}:2:20: session.secret: environment variable SECRET is not set`,
    ]);
  });

  it('accepts config/stepgate.example.yaml with the variables it reads', async () => {
    const example = fileURLToPath(new URL('../../../config/stepgate.example.yaml', import.meta.url));
    const result = await loadConfig(example, {
      STEPGATE_SESSION_SECRET: SECRET,
      STEPGATE_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      LDAP_BIND_PASSWORD: 'reader-password',
      OIDC_CLIENT_SECRET: 'oidc-client-secret',
    });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
    expect(result.ok && result.value.logins.delegated?.ldap.bind_password).toBe('reader-password');
    expect(result.ok && result.value.logins.oidc?.client_secret).toBe('oidc-client-secret');
    expect(result.ok && result.value.server.entry_points).toEqual({
      portal: { hosts: ['portal.localhost'], user_types: ['portal'] },
    });
  });
});

describe('resolveConfigPath', () => {
  it('takes --config, then $STEPGATE_CONFIG, then ./stepgate.yaml', () => {
    expect(resolveConfigPath('/etc/a.yaml', { STEPGATE_CONFIG: '/etc/b.yaml' })).toBe('/etc/a.yaml');
    expect(resolveConfigPath(undefined, { STEPGATE_CONFIG: '/etc/b.yaml' })).toBe('/etc/b.yaml');
    expect(resolveConfigPath(undefined, {})).toBe('./stepgate.yaml');
    expect(resolveConfigPath('', { STEPGATE_CONFIG: '' })).toBe('./stepgate.yaml');
  });
});
