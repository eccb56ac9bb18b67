import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../../config/load.js';
import { configSchema } from '../../../../config/schema.js';
import { parseYamlText } from '../../../../config/yaml-loader.js';
import { bearerToken, carriesApiToken, TokenRegistry } from '../../../../gateway/admin/tokens.js';

const PLAIN = 'plain-admin-token-that-is-long-enough-0001';
const NAMED = 'named-token-for-the-identity-provider-0001';
const BOTH = 'named-token-with-both-scopes-for-tests-0001';

function tokensOf(apiTokens: unknown) {
  return configSchema.parse({
    upstream: { url: 'http://127.0.0.1:3000' },
    session: { secret: 'a-session-secret-that-is-long-enough' },
    admin: { api_tokens: apiTokens },
  }).admin.api_tokens;
}

/** The problems stepgate check would print for an admin section. */
function problemsOf(admin: string): string[] {
  const text = [
    'upstream: { url: http://127.0.0.1:3000 }',
    'session: { secret: a-session-secret-that-is-long-enough }',
    'logins: { direct: { users_file: users.yaml } }',
    admin,
  ].join('\n');
  const result = parseYamlText(text, 'stepgate.yaml', checkedConfigSchema);
  return result.ok ? [] : result.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
}

describe('TokenRegistry', () => {
  const registry = new TokenRegistry(
    tokensOf([
      PLAIN,
      { name: 'keycloak', token: NAMED, scopes: ['sidecar'] },
      { name: 'ops', token: BOTH, scopes: ['admin', 'sidecar', 'admin'] },
    ]),
  );

  it('names a plain token by its position and gives it the admin scope', () => {
    expect(registry.identify(PLAIN)).toEqual({ name: 'token-1', scopes: ['admin'] });
  });

  it('gives a named token its own name and scopes', () => {
    expect(registry.identify(NAMED)).toEqual({ name: 'keycloak', scopes: ['sidecar'] });
    expect(registry.identify(BOTH)).toEqual({ name: 'ops', scopes: ['admin', 'sidecar'] });
  });

  it('knows no other token, however close', () => {
    expect(registry.identify(`${PLAIN}x`)).toBeUndefined();
    expect(registry.identify(PLAIN.slice(0, -1))).toBeUndefined();
    expect(registry.identify(PLAIN.toUpperCase())).toBeUndefined();
    expect(registry.identify('')).toBeUndefined();
  });

  it('keeps no token in the clear', () => {
    expect(JSON.stringify(registry)).not.toContain(PLAIN);
    expect(JSON.stringify(registry)).not.toContain(NAMED);
  });
});

describe('bearer tokens in requests', () => {
  it.each([
    [`Bearer ${PLAIN}`, PLAIN],
    [`bearer   ${PLAIN}`, PLAIN],
    [`Basic ${PLAIN}`, undefined],
    [`Bearer ${PLAIN} extra`, undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it('lets a bearer token skip CSRF on the token APIs only', () => {
    const req = (path: string, authorization?: string) => ({
      path,
      get: (name: string) => (name === 'authorization' ? authorization : undefined),
    });
    expect(carriesApiToken(req('/admin/v1/users/alice', `Bearer ${PLAIN}`))).toBe(true);
    expect(carriesApiToken(req('/sidecar/v1/decide', `Bearer ${PLAIN}`))).toBe(true);
    expect(carriesApiToken(req('/logout', `Bearer ${PLAIN}`))).toBe(false);
    expect(carriesApiToken(req('/admin/users/alice/mobile/remove', `Bearer ${PLAIN}`))).toBe(false);
    expect(carriesApiToken(req('/admin/v1/users/alice'))).toBe(false);
  });
});

describe('admin.api_tokens in stepgate.yaml', () => {
  it('accepts plain and named tokens', () => {
    expect(
      problemsOf(
        `admin:\n  api_tokens:\n    - ${PLAIN}\n    - { name: idp, token: ${NAMED}, scopes: [sidecar] }`,
      ),
    ).toEqual([]);
  });

  it('names each problem without showing the token', () => {
    const problems = problemsOf(
      [
        'admin:',
        '  api_tokens:',
        '    - too-short',
        `    - { name: idp, token: ${NAMED}, scopes: [everything] }`,
        `    - { name: idp, token: ${BOTH}, scopes: [] }`,
        `    - ${PLAIN}`,
        `    - ${PLAIN}`,
      ].join('\n'),
    );
    expect(problems).toEqual([
      '6: admin.api_tokens[0]: must be at least 32 characters but it has 9 characters',
      "7: admin.api_tokens[1].scopes[0]: must be one of 'admin', 'sidecar' but it has 10 characters",
      '8: admin.api_tokens[2].scopes: must have at least 1 entry but it has 0',
    ]);
    expect(problems.join('\n')).not.toContain('too-short');
  });

  it('refuses two tokens with one name, or one token twice', () => {
    const problems = problemsOf(
      [
        'admin:',
        '  api_tokens:',
        `    - { name: idp, token: ${NAMED}, scopes: [sidecar] }`,
        `    - { name: idp, token: ${BOTH}, scopes: [admin] }`,
        `    - ${PLAIN}`,
        `    - ${PLAIN}`,
      ].join('\n'),
    );
    expect(problems).toEqual([
      "7: admin.api_tokens[1].name: 'idp' names two tokens",
      '9: admin.api_tokens[3]: repeats a token listed above',
    ]);
    expect(problems.join('\n')).not.toContain(PLAIN);
  });
});
