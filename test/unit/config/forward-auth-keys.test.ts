/** server.allowed_return_hosts and session.cookie_domain: what stepgate.yaml accepts, and what it says otherwise. */
import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';

function check(server: string, session = '') {
  const text = [
    `server: { public_url: 'https://auth.example.com', ${server} }`,
    'upstream: { url: http://127.0.0.1:3000 }',
    `session: { secret: ${SECRET}${session === '' ? '' : `, ${session}`} }`,
    'logins: { direct: { users_file: ./users.yaml } }',
  ].join('\n');
  const result = parseYamlText(text, 'stepgate.yaml', checkedConfigSchema, { env: {} });
  return result.ok ? { value: result.value } : { problems: result.problems.map(formatProblem) };
}

describe('server.allowed_return_hosts', () => {
  it('takes host names and *.domain wildcards', () => {
    const result = check("allowed_return_hosts: [app.example.com, '*.apps.example.com', 10.0.0.5]");
    expect(result.value?.server.allowed_return_hosts).toEqual([
      'app.example.com',
      '*.apps.example.com',
      '10.0.0.5',
    ]);
  });

  it.each([
    'https://app.example.com',
    'app.example.com:8443',
    'app.example.com/x',
    "'*.com'",
    "'*'",
    "'app.*.example.com'",
    "'.example.com'",
  ])('refuses %s, naming the key', (value) => {
    const result = check(`allowed_return_hosts: [${value}]`);
    expect(result.problems).toHaveLength(1);
    expect(result.problems?.[0]).toContain(
      "server.allowed_return_hosts[0]: must be a host name such as 'app.example.com', or '*.example.com'",
    );
  });
});

describe('session.cookie_domain', () => {
  it("is '' (a host-only cookie) by default, and takes a parent domain of public_url's host", () => {
    expect(check('').value?.session.cookie_domain).toBe('');
    expect(check('', 'cookie_domain: example.com').value?.session.cookie_domain).toBe('example.com');
    expect(check('', 'cookie_domain: auth.example.com').value?.session.cookie_domain).toBe(
      'auth.example.com',
    );
  });

  it.each(['https://example.com', 'example.com:443', '.example.com', 'com', '10.0.0.1', 'example.com/x'])(
    'refuses %s',
    (value) => {
      const result = check('', `cookie_domain: '${value}'`);
      expect(result.problems).toHaveLength(1);
      expect(result.problems?.[0]).toContain("session.cookie_domain: must be a domain such as 'example.com'");
    },
  );

  it("refuses a domain that public_url's host is not in: browsers would drop the cookie", () => {
    const result = check('', 'cookie_domain: example.org');
    expect(result.problems).toEqual([
      expect.stringContaining(
        "session.cookie_domain: must be server.public_url's host (auth.example.com) or a domain above it, or browsers drop the cookie, but it is 'example.org'",
      ),
    ]);
    expect(check('', 'cookie_domain: ample.com').problems).toHaveLength(1);
  });
});
