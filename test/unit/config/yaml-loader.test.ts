import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../../config/schema.js';
import {
  formatPath,
  formatProblem,
  formatProblems,
  loadYamlFile,
  parseYamlText,
} from '../../../config/yaml-loader.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';

/** The formatted problems of a stepgate.yaml text, or [] when it is valid. */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const result = parseYamlText(text, 'stepgate.yaml', configSchema, { env });
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe('parseYamlText', () => {
  it('reports every problem at once, each at its own line', () => {
    const text = [
      'server:', // 1
      '  listen: 127.0.0.1:8080', // 2
      'upstream:', // 3
      '  url: http://127.0.0.1:3000', // 4
      '  timeout: 30 minutes please', // 5
      'session:', // 6
      '  store: redsi', // 7
      `  secret: ${SECRET}`, // 8
      '  idle_timeout: 30m', // 9
      '  colour: blue', // 10
      'admin:', // 11
      '  api_tokens: [short]', // 12
    ].join('\n');
    expect(problems(text)).toEqual([
      "stepgate.yaml:5:12: upstream.timeout: must be a duration like '30m' (s, m, h or d) but it is '30 minutes please'",
      "stepgate.yaml:7:10: session.store: must be one of 'memory', 'redis' but it is 'redsi'",
      'stepgate.yaml:10:3: session.colour: unknown key (allowed: store, redis_url, redis, secret, cookie_name, cookie_domain, idle_timeout, absolute_timeout, max_sessions)',
      'stepgate.yaml:12:16: admin.api_tokens[0]: must be at least 32 characters but it has 5 characters',
    ]);
  });

  it('reports a missing key at the key of the mapping it belongs in', () => {
    const text = [
      'server:',
      '  listen: 127.0.0.1:8080',
      '',
      'upstream:',
      '  timeout: 5s',
      'session:',
      `  secret: ${SECRET}`,
    ].join('\n');
    expect(problems(text)).toEqual(['stepgate.yaml:4:1: upstream.url: is required']);
  });

  it('reports missing top-level sections without a line', () => {
    expect(problems('server: {}\n')).toEqual([
      'stepgate.yaml: upstream: is required',
      'stepgate.yaml: session: is required',
    ]);
  });

  it('reports each unknown key at the key itself, at any depth', () => {
    const text = [
      'upstream: { url: http://a.test, foo: 1 }', // 1
      `session: { secret: ${SECRET} }`, // 2
      'logins:', // 3
      '  delegated:', // 4
      '    ldap:', // 5
      '      url: ldap://127.0.0.1', // 6
      '      base_dn: dc=example', // 7
      '      attributes: { email: mail, phone: mobile }', // 8
      'extra: true', // 9
    ].join('\n');
    expect(problems(text)).toEqual([
      'stepgate.yaml:1:33: upstream.foo: unknown key (allowed: url, public_paths, timeout)',
      'stepgate.yaml:8:34: logins.delegated.ldap.attributes.phone: unknown key (allowed: username, email, mobile, user_type, groups, profile, permission_sets)',
      'stepgate.yaml:9:1: extra: unknown key (allowed: server, upstream, session, store, logins, notifications, policy_file, admin, webauthn, branding)',
    ]);
  });

  it('names the expected type and what was written instead', () => {
    const text = [
      'upstream: http://a.test',
      `session: { secret: ${SECRET}, max_sessions: lots }`,
      'store:',
    ].join('\n');
    expect(problems(text)).toEqual([
      "stepgate.yaml:1:11: upstream: must be a mapping but it is 'http://a.test'",
      "stepgate.yaml:2:78: session.max_sessions: must be a number but it is 'lots'",
      'stepgate.yaml:3:7: store: must be a mapping but it is empty',
    ]);
  });

  it('never shows the value of a secret', () => {
    const text = ['upstream: { url: http://a.test }', 'session: { secret: hunter2 }'].join('\n');
    expect(problems(text)).toEqual([
      'stepgate.yaml:2:20: session.secret: must be at least 32 characters (use a long random value) but it has 7 characters',
    ]);
  });

  it('never shows a secret even when its type is wrong', () => {
    const text = ['upstream: { url: http://a.test }', 'session: { secret: 123456789 }'].join('\n');
    expect(problems(text)).toEqual([
      'stepgate.yaml:2:20: session.secret: must be a string but it is a number',
    ]);
  });

  it('adds the bad value to a message the schema wrote', () => {
    const schema = z.strictObject({ count: z.number({ error: 'must be a whole number of messages' }) });
    const result = parseYamlText('count: five\n', 'policy.yaml', schema);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "policy.yaml:1:8: count: must be a whole number of messages but it is 'five'",
    ]);
  });

  it('reports a YAML syntax error with its line', () => {
    const text = ['upstream:', '  url: http://a.test', '  public_paths: [/a, /b', 'session: {}'].join('\n');
    const lines = problems(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stepgate\.yaml:4:1: invalid YAML: /);
  });

  it('reports a duplicate key where it is repeated, with the other problems', () => {
    const text = [
      'upstream:', // 1
      '  url: http://a.test', // 2
      '  url: http://b.test', // 3
      'session:', // 4
      '  secret: short', // 5
    ].join('\n');
    expect(problems(text)).toEqual([
      'stepgate.yaml:3:3: upstream.url: duplicate key (first on line 2)',
      'stepgate.yaml:5:11: session.secret: must be at least 32 characters (use a long random value) but it has 5 characters',
    ]);
  });

  it('validates an empty file as {}', () => {
    const schema = z.strictObject({ name: z.string().prefault('stepgate') });
    expect(parseYamlText('', 'empty.yaml', schema)).toEqual({ ok: true, value: { name: 'stepgate' } });
    expect(parseYamlText('# only a comment\n', 'empty.yaml', schema)).toEqual({
      ok: true,
      value: { name: 'stepgate' },
    });
    expect(problems('')).toEqual([
      'stepgate.yaml: upstream: is required',
      'stepgate.yaml: session: is required',
    ]);
  });

  it('reports a file that is not a mapping', () => {
    expect(problems('- a\n- b\n')).toEqual(['stepgate.yaml:1:1: must be a mapping but it is a list']);
  });

  it('reports the member of a union that was most likely meant', () => {
    const schema = z.strictObject({ cert: z.union([z.string(), z.array(z.string()).min(1)]) });
    const result = parseYamlText('cert: [a, 7]\n', 'x.yaml', schema);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "x.yaml:1:11: cert[1]: must be a string but it is '7'",
    ]);
    const other = parseYamlText('cert: 7\n', 'x.yaml', schema);
    expect(other.ok ? [] : other.problems.map(formatProblem)).toEqual([
      "x.yaml:1:7: cert: must be a string or a list but it is '7'",
    ]);
  });

  it('reports an invalid mapping key at the key', () => {
    const text = [
      'server:',
      '  entry_points:',
      '    Portal: { hosts: [portal.localhost] }',
      'upstream: { url: http://a.test }',
      `session: { secret: ${SECRET} }`,
    ].join('\n');
    expect(problems(text)).toEqual([
      'stepgate.yaml:3:5: server.entry_points.Portal: is not a valid name: entry point names are lowercase words',
    ]);
  });
});

describe('loadYamlFile', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'stepgate-config-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads and validates a file', async () => {
    const file = join(directory, 'ok.yaml');
    await writeFile(file, 'name: ${WHO}\n');
    const schema = z.strictObject({ name: z.string() });
    expect(await loadYamlFile(file, schema, { env: { WHO: 'gate' } })).toEqual({
      ok: true,
      value: { name: 'gate' },
    });
  });

  it('turns a missing file into one problem naming the file', async () => {
    const file = join(directory, 'missing.yaml');
    const result = await loadYamlFile(file, configSchema);
    expect(result).toEqual({ ok: false, problems: [{ file, path: '', message: 'file not found' }] });
  });

  it('turns a directory into one problem naming it', async () => {
    const result = await loadYamlFile(directory, configSchema);
    expect(result.ok ? '' : formatProblems(result.problems)).toBe(`${directory}: is a directory, not a file`);
  });
});

describe('formatting', () => {
  it('writes file, line, column, key path and message on one line', () => {
    expect(
      formatProblem({
        file: 'stepgate.yaml',
        line: 12,
        column: 3,
        path: 'session.idle_timeout',
        message: 'bad',
      }),
    ).toBe('stepgate.yaml:12:3: session.idle_timeout: bad');
    expect(formatProblem({ file: 'a.yaml', path: '', message: 'file not found' })).toBe(
      'a.yaml: file not found',
    );
    expect(
      formatProblems([
        { file: 'a.yaml', line: 1, column: 1, path: 'x', message: 'one' },
        { file: 'a.yaml', line: 2, column: 1, path: 'y', message: 'two' },
      ]),
    ).toBe('a.yaml:1:1: x: one\na.yaml:2:1: y: two');
  });

  it('writes list indexes in brackets and quotes keys that would read as paths', () => {
    expect(formatPath(['rules', 2, 'when'])).toBe('rules[2].when');
    expect(formatPath(['profiles', 'Help Desk', 'permissions'])).toBe('profiles.Help Desk.permissions');
    expect(formatPath(['groups', 'cn=a.b'])).toBe('groups["cn=a.b"]');
  });
});
