/** stepgate.yaml `logins.oidc` (SPEC §3): defaults, and every problem named with its key and value. */
import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const BASE = [
  'upstream: { url: http://127.0.0.1:3000 }',
  'session: { secret: a-session-secret-of-at-least-32-characters }',
  'logins:',
  '  oidc:',
];

function check(oidc: string[], env: NodeJS.ProcessEnv = {}) {
  const text = [...BASE, ...oidc.map((line) => `    ${line}`)].join('\n');
  const result = parseYamlText(text, 'stepgate.yaml', checkedConfigSchema, { env });
  return result.ok ? { value: result.value.logins.oidc } : { problems: result.problems.map(formatProblem) };
}

describe('logins.oidc', () => {
  it('is a way to sign in on its own, with the defaults of SPEC §3', () => {
    expect(
      check(
        [
          'issuer: https://idp.example.org/realms/corp',
          'client_id: stepgate',
          'client_secret: ${OIDC_CLIENT_SECRET}',
        ],
        { OIDC_CLIENT_SECRET: 'from-the-environment' },
      ),
    ).toEqual({
      value: {
        issuer: 'https://idp.example.org/realms/corp',
        client_id: 'stepgate',
        client_secret: 'from-the-environment',
        scopes: ['openid', 'email', 'profile'],
        claims: { username: 'sub', email: 'email', user_type: 'user_type', groups: 'groups' },
        display_name: 'your identity provider',
        timeout: 10_000,
      },
    });
  });

  it('takes a public client (no secret) and a provider on this machine over http', () => {
    const result = check(['issuer: http://localhost:9000', 'client_id: stepgate']);
    expect(result).toMatchObject({ value: { issuer: 'http://localhost:9000', client_id: 'stepgate' } });
    expect(result.value?.client_secret).toBeUndefined();
  });

  it('names each problem with its key and the bad value', () => {
    const result = check([
      'issuer: http://idp.example.org',
      "client_id: ''",
      'scopes: [email, profile]',
      'claims: { username: preferred_username, nickname: nick }',
      'timeout: 5 minutes',
      'audience: stepgate',
    ]);
    expect(result.problems).toEqual([
      "stepgate.yaml:5:13: logins.oidc.issuer: must be an https:// URL (http:// only for localhost) without a query or fragment but it is 'http://idp.example.org'",
      "stepgate.yaml:6:16: logins.oidc.client_id: must not be empty but it is ''",
      'stepgate.yaml:7:13: logins.oidc.scopes: must include openid but it is ["email","profile"]',
      'stepgate.yaml:8:45: logins.oidc.claims.nickname: unknown key (allowed: username, email, user_type, groups)',
      "stepgate.yaml:9:14: logins.oidc.timeout: must be a duration like '30m' (s, m, h or d) but it is '5 minutes'",
      'stepgate.yaml:10:5: logins.oidc.audience: unknown key (allowed: issuer, client_id, client_secret, scopes, claims, display_name, timeout)',
    ]);
  });

  it('refuses an issuer with a query or a fragment, and a scope with a space', () => {
    for (const issuer of [
      'https://idp.example.org/?tenant=a',
      'https://idp.example.org/#x',
      'ftp://idp.example.org',
    ]) {
      expect(check([`issuer: '${issuer}'`, 'client_id: stepgate']).problems, issuer).toEqual([
        expect.stringContaining(`logins.oidc.issuer: must be an https:// URL`),
      ]);
    }
    expect(
      check(['issuer: https://idp.example.org', 'client_id: c', "scopes: [openid, 'email profile']"])
        .problems,
    ).toEqual([
      expect.stringContaining(
        "logins.oidc.scopes[1]: must be one scope word without spaces or quotes but it is 'email profile'",
      ),
    ]);
  });
});
