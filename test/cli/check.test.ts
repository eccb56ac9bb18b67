import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPasswordHash, verifyPassword } from '../../gateway/flows/login/password.js';
import { runStepgate } from '../helpers/cli.js';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const BROKEN = `server:
  listen: 127.0.0.1:8080
  trusted_proxies: [not-a-network]
upstream:
  url: ftp://example.org
  public_pathz: []
session:
  secret: \${STEPGATE_SESSION_SECRET}
  idle_timeout: 30 minutes please
`;

describe('stepgate check', () => {
  it('prints every problem at once, each with its file and line, and exits non-zero', async () => {
    const file = tempFile('stepgate.yaml', BROKEN);
    const result = await runStepgate(['check', '--config', file], { env: { STEPGATE_SESSION_SECRET: '' } });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    const located = (line: number, path: string) =>
      lines.find((l) => l.startsWith(`${file}:${line}:`) && l.includes(path));
    expect(located(3, 'server.trusted_proxies')).toBeDefined();
    expect(located(5, 'upstream.url')).toBeDefined();
    expect(located(6, 'upstream.public_pathz')).toMatch(/unknown key/);
    expect(located(9, 'session.idle_timeout')).toMatch(/'30 minutes please'/);
    expect(result.stderr).toMatch(/problems found/);
  });

  it('reports a file the config names that is missing at the key naming it, beside the other problems', async () => {
    const file = tempFile(
      'stepgate.yaml',
      `${BROKEN}logins: { direct: { users_file: ./no-such-users.yaml } }\npolicy_file: /no/such/policy.yaml\n`,
    );
    const env = { STEPGATE_SESSION_SECRET: '' };
    const missing = [
      `${file}:10:33: logins.direct.users_file: file './no-such-users.yaml' not found (relative paths are read from ${process.cwd()})`,
      `${file}:11:14: policy_file: file '/no/such/policy.yaml' not found`,
    ];
    const checked = await runStepgate(['check', '--config', file], { env });
    expect(checked.code).toBe(1);
    const lines = checked.stderr.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(missing));
    expect(lines.find((line) => line.includes('upstream.public_pathz'))).toMatch(/unknown key/);
    const served = await runStepgate(['serve', '--config', file], { env });
    expect(served.code).toBe(1);
    for (const line of missing) expect(served.stderr).toContain(line);
  });

  it('accepts the demo configuration', async () => {
    const result = await runStepgate(['check', '--config', 'config/stepgate.demo.yaml'], {
      env: { STEPGATE_SESSION_SECRET: 'a-long-enough-secret-for-the-check-command' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('configuration is valid');
  });

  it('reports problems in the policy file the config names', async () => {
    const policy = tempFile('policy.yaml', 'version: 1\nrules:\n  - { name: x, then: maybe }\n');
    const config = tempFile(
      'stepgate.yaml',
      `upstream: { url: http://127.0.0.1:3000 }\nsession: { secret: a-long-enough-secret-for-the-check-command }\nlogins: { direct: { users_file: config/users.demo.yaml } }\npolicy_file: ${policy}\n`,
    );
    const result = await runStepgate(['check', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${policy}:3:`);
    expect(result.stderr).toContain('rules[0].then');
  });
});

describe('stepgate check warnings', () => {
  const SECRET = 'a-long-enough-secret-for-the-check-command';
  const configWith = (policy: string) =>
    tempFile(
      'stepgate.yaml',
      `upstream: { url: http://127.0.0.1:3000 }\nsession: { secret: ${SECRET} }\n` +
        `logins: { direct: { users_file: config/users.demo.yaml } }\npolicy_file: ${policy}\n`,
    );

  it('warns about a rule that skips on the entry point alone, at its line, and still passes', async () => {
    const policy = tempFile(
      'policy.yaml',
      'version: 1\nrules:\n  - { name: SAML federation, when: { login: saml }, then: skip }\n' +
        '  - name: portal\n    when: { entry_point: portal }\n    then: skip\n',
    );
    const result = await runStepgate(['check', '--config', configWith(policy)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('configuration is valid (1 warning)');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${policy}:5:\\d+: rules\\[1\\]\\.when: warning: rule 'portal'`));
    expect(lines[0]).toContain('Host header');
  });

  it('says nothing of a portal rule that also tests the user type, as the default policy does', async () => {
    const policy = tempFile('policy.yaml', await readFile('config/policy.example.yaml', 'utf8'));
    const result = await runStepgate(['check', '--config', configWith(policy)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('stepgate serve', () => {
  it('refuses to start on an invalid config with the same messages as check', async () => {
    const file = tempFile('stepgate.yaml', BROKEN);
    const env = { STEPGATE_SESSION_SECRET: '' };
    const served = await runStepgate(['serve', '--config', file], { env });
    const checked = await runStepgate(['check', '--config', file], { env });
    expect(served.code).not.toBe(0);
    for (const line of checked.stderr.split('\n').filter((l) => l.startsWith(file))) {
      expect(served.stderr).toContain(line);
    }
  });
});

describe('STEPGATE_LOG_FORMAT', () => {
  it('refuses a form it does not know, in one line, before anything starts', async () => {
    const result = await runStepgate(['serve', '--config', 'config/stepgate.demo.yaml'], {
      env: {
        STEPGATE_LOG_FORMAT: 'xml',
        STEPGATE_SESSION_SECRET: 'a-long-enough-secret-for-the-check-command',
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("stepgate: STEPGATE_LOG_FORMAT must be 'json' or 'pretty' but it is 'xml'\n");
  });
});

describe('stepgate hash-password', () => {
  it('reads the password from standard input and prints a hash that verifies it', async () => {
    const result = await runStepgate(['hash-password'], { input: 'pass phrase\n' });
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword('pass phrase', hash)).toBe(true);
  });

  it('refuses an empty password with a one-line reason', async () => {
    const result = await runStepgate(['hash-password'], { input: '' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('stepgate check on the session cookie', () => {
  const configWith = (server: string, session: string) =>
    tempFile(
      'stepgate.yaml',
      `server: { ${server} }\nupstream: { url: http://127.0.0.1:3000 }\n` +
        `session: { secret: a-long-enough-secret-for-the-check-command${session} }\n` +
        'logins: { direct: { users_file: config/users.demo.yaml } }\npolicy_file: config/policy.example.yaml\n',
    );

  it('recommends a __Host- name on https without a cookie_domain, saying what it buys, and still passes', async () => {
    const result = await runStepgate([
      'check',
      '--config',
      configWith('public_url: https://sso.example.com', ''),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('configuration is valid (1 warning)');
    expect(result.stderr).toContain(
      "session.cookie_name: warning: 'stepgate_session' could be '__Host-stepgate_session'",
    );
    expect(result.stderr).toContain('no other host of the same domain can set or shadow the session cookie');
  });

  it.each([
    ['a __Host- name', 'public_url: https://sso.example.com', ', cookie_name: __Host-stepgate_session'],
    ['a cookie_domain', 'public_url: https://sso.example.com', ', cookie_domain: example.com'],
    ['localhost', 'public_url: http://localhost:8080', ''],
  ])('says nothing with %s', async (_case, server, session) => {
    const result = await runStepgate(['check', '--config', configWith(server, session)]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('session.cookie_name');
  });
});
