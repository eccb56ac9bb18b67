/**
 * The composition root: the one place that turns a resolved config into adapters and a gateway.
 */
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/yaml-loader.js';
import type { MaxMindPlaces } from '../adapters/geoip/maxmind.js';
import { BoundedMemorySessionStore } from '../adapters/memory/session-store.js';
import { MemoryLimiter } from '../adapters/memory/limiter.js';
import { MemoryReplayCache } from '../adapters/memory/replay-cache.js';
import type { RedisAdapters } from '../adapters/redis/open.js';
import type { CacheProvider } from '@node-saml/passport-saml';
import {
  DEFAULT_REQUEST_LIFETIME_MS,
  PassportSamlServiceProvider,
  SamlConfigError,
} from '../adapters/saml/service-provider.js';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { GatewayMetrics } from '../gateway/metrics.js';
import { createGateway, type Gateway } from '../gateway/app.js';
import { AdminService } from '../gateway/admin/service.js';
import { keepHistory } from '../gateway/admin/retention.js';
import { CodeHasher } from '../gateway/factors/codes.js';
import type { PolicySource } from '../gateway/context.js';
import {
  systemClock,
  type Clock,
  type DirectUsers,
  type EmailSender,
  type Logger,
  type Ports,
  type SmsSender,
  type Store,
} from '../gateway/ports.js';
import { verifyDirectoryAtStart } from './check-directory.js';
import { openOidc } from './oidc.js';
import { PolicyFile } from './policy-file.js';
import { StartupError, encryptAtRest, openDirectory, openNotifiers, openPlaces, openStore } from './open.js';

export { StartupError } from './open.js';

async function openUsers(config: Config): Promise<UsersFile | undefined> {
  const path = config.logins.direct?.users_file;
  if (path === undefined) return undefined;
  const result = await UsersFile.load(path);
  if (!result.ok) throw new StartupError(formatProblems(result.problems));
  return result.value;
}

type SharedState = Pick<Ports, 'limiter' | 'replayCache' | 'sessions' | 'health'> & {
  /** Where a fleet keeps the ids of its SAML AuthnRequests; each instance its own when absent. */
  samlRequestIds?: CacheProvider;
  close(): Promise<void>;
};

/**
 * Sessions in Redis hold phone numbers and, during enrollment, authenticator secrets: sealed with
 * store.encryption_key like the store's own, when it is set (adapters/redis/session-store.ts).
 */
async function sessionSealer(config: Config, logger: Logger) {
  const keyText = config.store.encryption_key;
  if (keyText === undefined) return undefined;
  const [{ SessionSealer }, { SealingKey, parseEncryptionKey }] = await Promise.all([
    import('../adapters/redis/session-store.js'),
    import('../adapters/crypto/key.js'),
  ]);
  return new SessionSealer(new SealingKey(parseEncryptionKey(keyText)), logger);
}

/** How long start-up waits for Redis before going on without it (/readyz says not ready meanwhile). */
const redisStartupWaitMs = 5_000;

/**
 * Sessions, limits and the replay cache: in memory for a single instance, or in Redis
 * (session.store 'redis') so a fleet shares them and the SPEC's limits hold across it (§1.5).
 */
async function openSharedState(config: Config, logger: Logger, clock: Clock): Promise<SharedState> {
  if (config.session.store !== 'redis') {
    return {
      limiter: new MemoryLimiter(),
      replayCache: new MemoryReplayCache(clock),
      sessions: new BoundedMemorySessionStore({
        max: config.session.max_sessions,
        defaultTtlMs: config.session.idle_timeout,
      }),
      close: async () => undefined,
    };
  }
  // Loaded only here: node-redis would slow down the start of every other command.
  const [{ openRedisAdapters }, { redisTargetOf }] = await Promise.all([
    import('../adapters/redis/open.js'),
    import('../adapters/redis/target.js'),
  ]);
  const sealer = await sessionSealer(config, logger);
  let redis: RedisAdapters;
  try {
    // One node (redis_url or redis.url), Redis Sentinel or Redis Cluster: docs/redis.md.
    redis = openRedisAdapters(redisTargetOf(config.session), {
      logger,
      clock,
      sealer,
      samlRequestLifetimeMs: DEFAULT_REQUEST_LIFETIME_MS,
      sessionHorizonMs: config.session.absolute_timeout + config.session.idle_timeout,
    });
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  const { connection } = redis;
  if (!(await connection.waitUntilReady(redisStartupWaitMs))) {
    logger.warn('redis is not reachable yet; starting anyway, sign-ins get 503 until it is');
  }
  return {
    limiter: redis.limiter,
    replayCache: redis.replayCache,
    samlRequestIds: redis.samlRequestIds,
    sessions: redis.sessions,
    health: { redis: () => connection.ping() },
    close: () => connection.close(),
  };
}

/** The SAML service provider when logins.saml is configured; a bad IdP certificate stops start-up. */
function openSaml(config: Config, requestIds: CacheProvider | undefined): Ports['saml'] {
  if (!config.logins.saml) return undefined;
  try {
    return new PassportSamlServiceProvider(config.logins.saml, config.server, {
      ...(requestIds && { requestIds }),
    });
  } catch (error) {
    if (error instanceof SamlConfigError) throw new StartupError(error.message);
    throw error;
  }
}

/** The policy in force and how it follows its source: PolicyFile, or a fixed one given in code. */
export interface LivePolicy extends PolicySource {
  watch(): void;
  reload(): Promise<boolean>;
  close(): void;
}

/**
 * What a program embedding stepgate gives in place of what the config names (lib/stepgate.ts):
 * accounts and a policy given as objects, senders of its own, and the clock every part reads.
 */
export interface Provided {
  clock?: Clock;
  /** In place of logins.direct.users_file. */
  directUsers?: DirectUsers;
  /** In place of policy_file. */
  policy?: LivePolicy;
  sms?: SmsSender;
  email?: EmailSender;
}

export interface Composed {
  gateway: Gateway;
  ports: Ports;
  policy: LivePolicy;
  /** SIGHUP: re-read the policy, the users file and the GeoIP database. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

async function openPolicy(config: Config, logger: Logger): Promise<PolicyFile> {
  const result = await PolicyFile.open(config.policy_file, logger);
  if (!result.ok) throw new StartupError(formatProblems(result.problems));
  return result.value;
}

/** SIGHUP: the GeoIP database again (updated weekly); a file that cannot be used leaves the old one. */
async function reloadPlaces(places: MaxMindPlaces | undefined, logger: Logger): Promise<void> {
  if (!places) return;
  try {
    await places.reload();
  } catch (error) {
    logger.error('GeoIP database reload refused; the one already loaded stays', {
      key: 'notifications.geoip_database',
      problem: (error as Error).message,
    });
  }
}

export async function compose(config: Config, logger: Logger, provided: Provided = {}): Promise<Composed> {
  const clock = provided.clock ?? systemClock;
  const policy = provided.policy ?? (await openPolicy(config, logger));
  const users = provided.directUsers ? undefined : await openUsers(config);
  // The directory first: a search account it refuses stops start-up before anything is opened.
  const directory = openDirectory(config, logger);
  if (directory) await verifyDirectoryAtStart(directory, logger);
  // Redis before the SAML adapter, which keeps its request ids there; both before the store, so
  // a bad IdP certificate stops start-up before the store is touched (or its key check written).
  const shared = await openSharedState(config, logger, clock);
  let saml: Ports['saml'];
  let store: Store;
  let notifiers: Awaited<ReturnType<typeof openNotifiers>>;
  let places: Awaited<ReturnType<typeof openPlaces>>;
  try {
    places = await openPlaces(config);
    saml = openSaml(config, shared.samlRequestIds);
    store = await encryptAtRest(await openStore(config, logger), config, logger);
    notifiers = await openNotifiers(config, logger, clock);
  } catch (error) {
    await shared.close();
    throw error;
  }
  const ports: Ports = {
    store,
    limiter: shared.limiter,
    replayCache: shared.replayCache,
    health: { ...shared.health, ...(directory ? { directory: () => directory.ping() } : {}) },
    logger,
    directUsers: provided.directUsers ?? users ?? UsersFile.fromContent({}),
    saml,
    oidc: openOidc(config, logger),
    directory,
    sms: provided.sms ?? notifiers.sms,
    email: provided.email ?? notifiers.email,
    places,
    clock,
    sessions: shared.sessions,
  };
  // The process's own metrics (CPU, memory, event loop, GC) once, for the one gateway it serves.
  const gateway = await createGateway({
    config,
    policy,
    ports,
    metrics: new GatewayMetrics({ processMetrics: true }),
  });
  policy.watch();
  const retention = keepHistory({
    service: new AdminService({ ports, policy, hasher: new CodeHasher(config.session.secret) }),
    retentionMs: config.store.history_retention,
    logger,
  });
  await retention.started;
  return {
    gateway,
    ports,
    policy,
    reload: async () => {
      await policy.reload();
      await reloadPlaces(places, logger);
      const result = await users?.reload();
      if (result && !result.ok) {
        logger.error('users file reload refused; the accounts already loaded stay', {
          problems: formatProblems(result.problems).split('\n'),
        });
      }
    },
    close: async () => {
      retention.stop();
      policy.close();
      gateway.close();
      await store.close();
      await shared.close();
      notifiers.close();
    },
  };
}
