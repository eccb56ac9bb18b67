/** stepgate.yaml `session.redis`: one way to say where Redis is, and a clear error for every other. */
import { describe, expect, it } from 'vitest';
import { checkedConfigSchema } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';
import { redisTargetOf } from '../../../adapters/redis/target.js';

const SECRET = 'a-session-secret-of-at-least-32-characters';

function parse(session: string, env: Record<string, string> = {}) {
  const text = [
    'upstream: { url: http://127.0.0.1:3000 }',
    `session: { secret: ${SECRET}, store: redis, ${session} }`,
    'logins: { direct: { users_file: ./users.yaml } }',
  ].join('\n');
  return parseYamlText(text, 'stepgate.yaml', checkedConfigSchema, { env });
}

/** The resolved session section, or a failure naming the problems. */
function accepted(session: string, env: Record<string, string> = {}) {
  const result = parse(session, env);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.value.session;
}

/** The problems without their line:column, which only say where in the one-line session they are. */
function problems(session: string): string[] {
  const result = parse(session);
  if (result.ok) throw new Error(`accepted: ${session}`);
  return result.problems.map((problem) => formatProblem(problem).replace(/^stepgate\.yaml:\d+:\d+: /, ''));
}

describe('session.redis', () => {
  it('reads Sentinel with its password from the environment, and Cluster', () => {
    const sentinel = accepted(
      'redis: { sentinels: [{ host: s1, port: 26379 }, { host: s2, port: 26379 }], master_name: main, password: "${REDIS_PASSWORD}", sentinel_password: "${SENTINEL_PASSWORD}" }',
      { REDIS_PASSWORD: 'data-secret', SENTINEL_PASSWORD: 'sentinel-secret' },
    );
    expect(redisTargetOf(sentinel)).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'main',
      access: { username: undefined, password: 'data-secret', tls: undefined },
      sentinelAccess: { username: undefined, password: 'sentinel-secret' },
      database: undefined,
    });
    const cluster = accepted('redis: { cluster_nodes: [redis://n1:6379, redis://n2:6379] }');
    expect(redisTargetOf(cluster)).toMatchObject({
      kind: 'cluster',
      nodes: ['redis://n1:6379', 'redis://n2:6379'],
    });
  });

  it('keeps session.redis_url as it was, with its default', () => {
    const plain = accepted('redis_url: redis://cache:6380/2');
    expect(redisTargetOf(plain)).toEqual({ kind: 'node', url: 'redis://cache:6380/2' });
    const unset = accepted('cookie_name: s');
    expect(redisTargetOf(unset)).toEqual({ kind: 'node', url: 'redis://127.0.0.1:6379' });
  });

  it('names the key of every wrong combination', () => {
    expect(problems('redis_url: redis://a:6379, redis: { url: redis://b:6379 }')).toEqual([
      'session.redis: must not be set together with session.redis_url: move the URL to session.redis.url',
    ]);
    expect(problems('redis: { database: 1 }')).toEqual([
      'session.redis: must set one of url, sentinels or cluster_nodes',
    ]);
    expect(problems('redis: { url: redis://a:6379, cluster_nodes: [redis://b:6379] }')).toEqual([
      'session.redis.cluster_nodes: must not be set together with url: choose one of url, sentinels or cluster_nodes',
    ]);
    expect(problems('redis: { sentinels: [{ host: s1, port: 26379 }] }')).toEqual([
      'session.redis.master_name: is required with sentinels: the name the sentinels monitor the master under',
    ]);
    expect(problems('redis: { url: redis://a:6379, master_name: main, sentinel_password: x }')).toEqual([
      'session.redis.master_name: is only used with sentinels',
      'session.redis.sentinel_password: is only used with sentinels',
    ]);
    expect(problems('redis: { cluster_nodes: [redis://n1:6379], database: 2 }')).toEqual([
      'session.redis.database: must not be set with cluster_nodes: a Redis Cluster has only database 0',
    ]);
    expect(problems('redis: { url: "redis://:pw@a:6379/1", password: other, database: 2 }')).toEqual([
      'session.redis.password: must not be set when url carries a password too: choose one',
      'session.redis.database: must not be set when url names a database too: choose one',
    ]);
    expect(problems('redis: { sentinels: [{ host: s1, port: 0 }], master_name: m }')).toEqual([
      "session.redis.sentinels[0].port: must be a port from 1 to 65535 but it is '0'",
    ]);
    expect(problems('redis: { cluster_nodes: [http://n1:6379] }')).toEqual([
      "session.redis.cluster_nodes[0]: must be a redis:// or rediss:// URL but it is 'http://n1:6379'",
    ]);
    expect(problems('redis: { url: redis://a:6379, tls: { cert_file: c.pem } }')).toEqual([
      'session.redis.tls.key_file: is required when cert_file is set',
    ]);
  });

  it('names a TLS file it cannot read', () => {
    const session = accepted('redis: { url: rediss://a:6380, tls: { ca_file: /nonexistent/ca.pem } }');
    expect(() => redisTargetOf(session)).toThrow(/^session\.redis\.tls\.ca_file cannot be read: ENOENT/);
  });
});
