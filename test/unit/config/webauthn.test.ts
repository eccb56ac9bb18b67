/** stepgate.yaml `webauthn:`: the relying party passkeys are bound to, and its defaults. */
import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../config/load.js';
import { relyingParty } from '../../../config/schema.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

function check(lines: string[]) {
  const text = [
    'upstream: { url: http://127.0.0.1:3000 }',
    'session: { secret: a-session-secret-of-at-least-32-characters }',
    'logins: { direct: { users_file: ./users.yaml } }',
    ...lines,
  ].join('\n');
  const result = parseYamlText(text, 'stepgate.yaml', checkedConfigSchema, { env: {} });
  return result.ok
    ? { value: relyingParty(result.value.webauthn, result.value.server.public_url) }
    : { problems: result.problems.map(formatProblem) };
}

describe('webauthn', () => {
  it('takes its relying party from server.public_url when nothing is said', () => {
    expect(check(['server: { public_url: https://login.example.com:8443/ }'])).toEqual({
      value: { id: 'login.example.com', name: 'stepgate', origins: ['https://login.example.com:8443'] },
    });
  });

  it('takes a parent domain and further origins, such as an identity provider offering passkeys', () => {
    const lines = [
      'server: { public_url: https://login.example.com }',
      'webauthn:',
      '  rp_id: Example.com',
      '  rp_name: Example Org',
      '  origins: [https://login.example.com, "https://idp.example.com/"]',
    ];
    expect(check(lines)).toEqual({
      value: {
        id: 'example.com',
        name: 'Example Org',
        origins: ['https://login.example.com', 'https://idp.example.com'],
      },
    });
  });

  it('names an origin off the relying party domain, a malformed one, and an RP ID with a scheme', () => {
    const site = ['server: { public_url: https://login.example.com }', 'webauthn:', '  rp_id: example.com'];
    expect(check([...site, '  origins: [https://login.example.com, https://example.net]']).problems).toEqual([
      "stepgate.yaml:7:40: webauthn.origins[1]: 'https://example.net' is not on the domain of rp_id 'example.com': a passkey would never answer from there",
    ]);
    expect(
      check([...site, '  origins: [https://login.example.com, https://idp.example.com/login]']).problems,
    ).toEqual([
      "stepgate.yaml:7:40: webauthn.origins[1]: must be an origin such as 'https://login.example.com' (a scheme, a host and a port, no path) but it is 'https://idp.example.com/login'",
    ]);
    expect(check(['webauthn: { rp_id: "https://example.com" }']).problems).toEqual([
      "stepgate.yaml:4:20: webauthn.rp_id: must be a host name such as 'example.com', without a scheme, port or path but it is 'https://example.com'",
    ]);
  });

  it("names an RP ID that server.public_url's host is not on", () => {
    const lines = ['server: { public_url: https://login.example.com }', 'webauthn: { rp_id: example.org }'];
    expect(check(lines).problems).toEqual([
      "stepgate.yaml:5:20: webauthn.rp_id: 'https://login.example.com' is not on the domain of rp_id 'example.org': a passkey would never answer from there",
    ]);
  });
});
