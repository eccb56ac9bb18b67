/** session.cookie_name with a __Host- or __Secure- prefix: what browsers would accept, checked at load. */
import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';

function check(publicUrl: string, session: string) {
  const text = [
    `server: { public_url: '${publicUrl}' }`,
    'upstream: { url: http://127.0.0.1:3000 }',
    `session: { secret: ${SECRET}, ${session} }`,
    'logins: { direct: { users_file: ./users.yaml } }',
  ].join('\n');
  const result = parseYamlText(text, 'stepgate.yaml', checkedConfigSchema, { env: {} });
  return result.ok ? { value: result.value } : { problems: result.problems.map(formatProblem) };
}

describe('session.cookie_name', () => {
  it('takes __Host- on https without a cookie_domain, and __Secure- on https with one', () => {
    expect(check('https://sso.example.com', 'cookie_name: __Host-sg').value?.session.cookie_name).toBe(
      '__Host-sg',
    );
    const secure = check('https://sso.example.com', 'cookie_name: __Secure-sg, cookie_domain: example.com');
    expect(secure.value?.session.cookie_name).toBe('__Secure-sg');
  });

  it.each(['__Host-', '__HOST-', '__host-'])('refuses %s with a cookie_domain, naming the key', (prefix) => {
    const result = check('https://sso.example.com', `cookie_name: ${prefix}sg, cookie_domain: example.com`);
    expect(result.problems).toEqual([
      expect.stringContaining(
        `session.cookie_name: must not start with '${prefix}' when session.cookie_domain is set (browsers refuse a __Host- cookie with a Domain), but cookie_domain is 'example.com'`,
      ),
    ]);
  });

  it.each([
    ['__Host-sg', 'http://sso.example.com'],
    ['__host-sg', 'http://sso.example.com'],
    ['__Secure-sg', 'http://sso.example.com'],
    ['__SECURE-sg', 'http://sso.example.com'],
    ['__Host-sg', 'https://localhost:8443'],
  ])('refuses %s with public_url %s, naming the key', (name, publicUrl) => {
    const result = check(publicUrl, `cookie_name: ${name}`);
    expect(result.problems).toHaveLength(1);
    expect(result.problems?.[0]).toContain(
      `session.cookie_name: must not start with '${name.split('-')[0]}-' unless server.public_url is https on a host other than localhost`,
    );
    expect(result.problems?.[0]).toContain(`but public_url is '${publicUrl}'`);
  });
});
