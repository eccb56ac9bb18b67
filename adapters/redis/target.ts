/**
 * stepgate.yaml's `session.redis_url` / `session.redis` as a RedisTarget: which node-redis factory
 * to use, with its credentials and TLS material read from their files. A file that cannot be read
 * is named by its key; nothing here repeats a URL or a password.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/schema.js';
import { DEFAULT_REDIS_URL, type RedisSettings } from '../../config/schema/redis.js';
import { checkRedisUrl } from './client.js';
import type { RedisAccess, RedisTarget, RedisTls } from './topologies.js';

function readPem(path: string | undefined, key: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`session.redis.tls.${key} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

function tlsOf(settings: RedisSettings): RedisTls | undefined {
  const { tls } = settings;
  if (tls === undefined) return undefined;
  const material = {
    ca: readPem(tls.ca_file, 'ca_file'),
    cert: readPem(tls.cert_file, 'cert_file'),
    key: readPem(tls.key_file, 'key_file'),
    servername: tls.server_name,
  };
  return Object.fromEntries(Object.entries(material).filter(([, value]) => value !== undefined));
}

function checkedUrl(url: string, key: string): string {
  try {
    checkRedisUrl(url);
  } catch (error) {
    throw new Error(`${key} ${(error as Error).message}`, { cause: error });
  }
  return url;
}

/** Throws, naming the key, when a TLS file cannot be read. */
export function redisTargetOf(session: Config['session']): RedisTarget {
  const settings = session.redis;
  if (settings === undefined) {
    const url = session.redis_url ?? DEFAULT_REDIS_URL;
    return { kind: 'node', url: checkedUrl(url, 'session.redis_url') };
  }
  const access: RedisAccess = {
    username: settings.username,
    password: settings.password,
    tls: tlsOf(settings),
  };
  if (settings.sentinels !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: settings.sentinels,
      masterName: settings.master_name ?? '',
      access,
      sentinelAccess: { username: settings.sentinel_username, password: settings.sentinel_password },
      database: settings.database,
    };
  }
  if (settings.cluster_nodes !== undefined) return { kind: 'cluster', nodes: settings.cluster_nodes, access };
  const url = checkedUrl(settings.url ?? DEFAULT_REDIS_URL, 'session.redis.url');
  return { kind: 'node', url, access, database: settings.database };
}
