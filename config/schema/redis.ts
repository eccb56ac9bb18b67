/**
 * stepgate.yaml `session.redis`: where the Redis of a fleet is, when one node is not enough.
 * Exactly one of `url` (one node), `sentinels` (Redis Sentinel, which follows failovers) or
 * `cluster_nodes` (Redis Cluster). See docs/redis.md.
 */
import { z } from 'zod';
import { RELATIVE } from './common.js';

/** The default of session.redis_url, when neither it nor session.redis is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const redisUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol), {
    message: 'must be a redis:// or rediss:// URL',
  })
  .meta({ format: 'uri', pattern: '^rediss?://' });

const sentinelNode = z
  .strictObject({
    host: z.string().min(1, 'must not be empty').describe('Host name or address of a sentinel.'),
    port: z
      .number()
      .int()
      .min(1, 'must be a port from 1 to 65535')
      .max(65_535, 'must be a port from 1 to 65535')
      .describe('Port of the sentinel (usually 26379).'),
  })
  .describe('One sentinel.');

const redisTls = z
  .strictObject({
    ca_file: z
      .string()
      .optional()
      .describe(`PEM file of the certificate authorities to trust; the system's when absent. ${RELATIVE}`),
    cert_file: z.string().optional().describe(`PEM client certificate, when Redis asks for one. ${RELATIVE}`),
    key_file: z.string().optional().describe(`PEM private key of cert_file. ${RELATIVE}`),
    server_name: z
      .string()
      .optional()
      .describe('The name expected in the server certificate, when it differs from the host connected to.'),
  })
  .superRefine(
    (tls, ctx) => {
      if (typeof tls !== 'object' || tls === null) return;
      const { cert_file: cert, key_file: key } = tls as Record<string, unknown>;
      if ((cert === undefined) === (key === undefined)) return;
      const [missing, other] = cert === undefined ? ['cert_file', 'key_file'] : ['key_file', 'cert_file'];
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${other} is set` });
    },
    { when: () => true },
  )
  .describe(
    'TLS to every Redis node (and to the sentinels); {} for TLS with the system trust store. A rediss:// URL turns it on too.',
  );

/** Keys that belong to one mode only, by the mode that needs them. */
const SENTINEL_ONLY = ['master_name', 'sentinel_username', 'sentinel_password'] as const;
const MODES = ['url', 'sentinels', 'cluster_nodes'] as const;

function checkRedisChoices(redis: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (typeof redis !== 'object' || redis === null) return;
  const given = (key: string) => (redis as Record<string, unknown>)[key] !== undefined;
  const problem = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
  const modes = MODES.filter(given);
  if (modes.length === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: 'must set one of url, sentinels or cluster_nodes' });
  } else if (modes.length > 1) {
    problem(
      modes[1] ?? '',
      `must not be set together with ${modes[0]}: choose one of url, sentinels or cluster_nodes`,
    );
  }
  if (given('sentinels') && !given('master_name')) {
    problem('master_name', 'is required with sentinels: the name the sentinels monitor the master under');
  }
  if (!given('sentinels')) {
    for (const key of SENTINEL_ONLY.filter(given)) problem(key, 'is only used with sentinels');
  }
  if (given('cluster_nodes') && given('database')) {
    problem('database', 'must not be set with cluster_nodes: a Redis Cluster has only database 0');
  }
  if (given('url')) {
    const url = new URL(String((redis as Record<string, unknown>).url));
    if (url.password !== '' && given('password')) {
      problem('password', 'must not be set when url carries a password too: choose one');
    }
    if (url.pathname.length > 1 && given('database')) {
      problem('database', 'must not be set when url names a database too: choose one');
    }
  }
}

export const redisSchema = z
  .strictObject({
    url: redisUrl
      .optional()
      .describe('One Redis node: redis://[[username]:password@]host[:port][/database], rediss:// for TLS.'),
    sentinels: z
      .array(sentinelNode)
      .min(1, 'must list at least one sentinel')
      .optional()
      .describe(
        'Redis Sentinel: some of the sentinels that watch the master (all of them is best); stepgate asks them which node is the master and follows failovers.',
      ),
    master_name: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe("The name the sentinels monitor the master under ('sentinel monitor <name> ...')."),
    sentinel_username: z.string().optional().describe('ACL user for the sentinels, when they have one.'),
    sentinel_password: z
      .string()
      .optional()
      .describe(
        'Password of the sentinels (their requirepass), from the environment: ${REDIS_SENTINEL_PASSWORD}.',
      ),
    cluster_nodes: z
      .array(redisUrl)
      .min(1, 'must list at least one node')
      .optional()
      .describe(
        'Redis Cluster: URLs of some of its nodes (redis://host:port); the client learns the rest from them.',
      ),
    username: z.string().optional().describe('ACL user of the Redis nodes.'),
    password: z
      .string()
      .optional()
      .describe('Password of the Redis nodes, from the environment: ${REDIS_PASSWORD}.'),
    database: z
      .number()
      .int()
      .min(0, 'must be a database number, 0 or more')
      .optional()
      .describe('Database number on the node or master (not with cluster_nodes). 0 when absent.'),
    tls: redisTls.optional(),
  })
  .superRefine(checkRedisChoices)
  .describe(
    'Where Redis is when store is redis, instead of redis_url: one node (url), Redis Sentinel (sentinels, master_name) or Redis Cluster (cluster_nodes).',
  );

export type RedisSettings = z.output<typeof redisSchema>;
