/**
 * Files stepgate.yaml names for stepgate to read (config/named-files.ts): one that cannot be read
 * is reported at the key naming it, with its line, and also when other keys have problems.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, loadConfigWithoutSecret } from '../../../config/load.js';
import { NAMED_FILES, WRITTEN_FILES } from '../../../config/named-files.js';
import { configSchema } from '../../../config/schema.js';
import { RELATIVE } from '../../../config/schema/common.js';
import { formatProblem } from '../../../config/yaml-loader.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const PEM = '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----';

function write(lines: string[]): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-named-files-'));
  const config = join(dir, 'stepgate.yaml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  return { dir, config };
}

async function problemsOf(config: string, options = { files: true }): Promise<string[]> {
  const result = await loadConfig(config, { SECRET }, options);
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('a file the config names', () => {
  it('that is missing is reported at its key and line, beside the schema problems', async () => {
    const { config } = write([
      'upstream: { url: ftp://example.org }',
      "session: { secret: '${SECRET}' }",
      'logins:',
      '  direct: { users_file: ./no-such/users.yaml }',
      '  delegated:',
      '    ldap:',
      '      url: ldap://127.0.0.1:389',
      '      base_dn: dc=example,dc=org',
      '      tls: { ca_file: /no/such/ca.pem, starttls: true }',
      '  saml:',
      '    entry_point: https://idp.example.org/sso',
      '    idp_issuer: https://idp.example.org',
      `    idp_cert: ["${PEM}", /no/such/idp.pem]`,
      'policy_file: /no/such/policy.yaml',
    ]);
    expect(await problemsOf(config)).toEqual([
      `${config}:1:18: upstream.url: must be an http:// or https:// URL but it is 'ftp://example.org'`,
      `${config}:4:25: logins.direct.users_file: file './no-such/users.yaml' not found (relative paths are read from ${process.cwd()})`,
      `${config}:9:23: logins.delegated.ldap.tls.ca_file: file '/no/such/ca.pem' not found`,
      `${config}:13:${'    idp_cert: ["'.length + PEM.length + '", '.length + 1}: logins.saml.idp_cert[1]: file '/no/such/idp.pem' not found`,
      `${config}:14:14: policy_file: file '/no/such/policy.yaml' not found`,
    ]);
  });

  it('that is a directory is said to be one', async () => {
    const users = join(mkdtempSync(join(tmpdir(), 'stepgate-named-dir-')), 'users');
    mkdirSync(users);
    const { config } = write([
      'upstream: { url: http://127.0.0.1:3000 }',
      "session: { secret: '${SECRET}' }",
      `logins: { direct: { users_file: ${users} } }`,
    ]);
    expect(await problemsOf(config)).toEqual([
      `${config}:3:33: logins.direct.users_file: '${users}' is a directory, not a file`,
    ]);
  });

  it('is not looked for when only the config is checked (an example for another machine)', async () => {
    const { config } = write([
      'upstream: { url: http://127.0.0.1:3000 }',
      "session: { secret: '${SECRET}' }",
      'logins: { direct: { users_file: /etc/stepgate/users.yaml } }',
    ]);
    expect(await problemsOf(config, { files: false })).toEqual([]);
  });

  it('is looked for by the admin commands too, which may leave the session secret unset', async () => {
    const { config } = write([
      'upstream: { url: http://127.0.0.1:3000 }',
      "session: { secret: '${NOT_SET}' }",
      'logins: { direct: { users_file: /no/such/users.yaml } }',
    ]);
    const result = await loadConfigWithoutSecret(config, {});
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${config}:3:33: logins.direct.users_file: file '/no/such/users.yaml' not found`,
    ]);
  });
});

describe('the list of named files', () => {
  it('holds every key whose value is a path, apart from the files stepgate writes', () => {
    const paths = new Set<string>();
    const walk = (node: unknown, path: string[]): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if (typeof schema.description === 'string' && schema.description.includes(RELATIVE)) {
        paths.add(path.join('.'));
      }
      for (const [key, child] of Object.entries((schema.properties as object | undefined) ?? {})) {
        walk(child, [...path, key]);
      }
      for (const key of ['anyOf', 'oneOf', 'allOf']) {
        for (const child of (schema[key] as unknown[] | undefined) ?? []) walk(child, path);
      }
      walk(schema.items, path);
    };
    walk(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), []);
    const listed = [...NAMED_FILES.map((named) => named.path), ...WRITTEN_FILES].map((path) =>
      path.join('.'),
    );
    expect([...paths].sort()).toEqual(listed.sort());
  });
});
