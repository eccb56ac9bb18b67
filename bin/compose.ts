/**
 * The composition root: the one place that turns a resolved config into adapters and a gateway.
 */
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/yaml-loader.js';
import { BoundedMemorySessionStore } from '../adapters/memory/session-store.js';
import { MemoryLimiter } from '../adapters/memory/limiter.js';
import { MemoryReplayCache } from '../adapters/memory/replay-cache.js';
import { Outbox } from '../adapters/outbox/outbox.js';
import { SqliteStore } from '../adapters/sqlite/store.js';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { createGateway, type Gateway } from '../gateway/app.js';
import { systemClock, type Logger, type Ports, type Store } from '../gateway/ports.js';
import { PolicyFile } from './policy-file.js';

export class StartupError extends Error {}

/** Features the config accepts that this version does not carry out yet: refuse rather than ignore. */
function refuseUnsupported(config: Config): void {
  const unsupported: string[] = [];
  if (config.session.store === 'redis') unsupported.push("session.store 'redis'");
  if (config.store.type === 'postgres') unsupported.push("store.type 'postgres'");
  if (config.logins.delegated) unsupported.push('logins.delegated (LDAP)');
  if (config.logins.saml) unsupported.push('logins.saml');
  if (config.notifications.sms.provider !== 'outbox') unsupported.push("notifications.sms.provider 'twilio'");
  if (config.notifications.email.provider !== 'outbox')
    unsupported.push("notifications.email.provider 'smtp'");
  if (unsupported.length > 0) {
    throw new StartupError(`this version of stepgate does not support yet: ${unsupported.join(', ')}`);
  }
}

async function openUsers(config: Config): Promise<UsersFile | undefined> {
  const path = config.logins.direct?.users_file;
  if (path === undefined) return undefined;
  const result = await UsersFile.load(path);
  if (!result.ok) throw new StartupError(formatProblems(result.problems));
  return result.value;
}

export interface Composed {
  gateway: Gateway;
  ports: Ports;
  policy: PolicyFile;
  /** SIGHUP: re-read the policy and the users file. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function compose(config: Config, logger: Logger): Promise<Composed> {
  refuseUnsupported(config);
  const policyResult = await PolicyFile.open(config.policy_file, logger);
  if (!policyResult.ok) throw new StartupError(formatProblems(policyResult.problems));
  const policy = policyResult.value;
  const users = await openUsers(config);
  let store: Store;
  try {
    store = SqliteStore.open(config.store.path);
  } catch (error) {
    throw new StartupError(`store: cannot open '${config.store.path}': ${(error as Error).message}`);
  }
  const outbox = new Outbox(config.notifications.outbox_path, systemClock);
  const ports: Ports = {
    store,
    limiter: new MemoryLimiter(),
    replayCache: new MemoryReplayCache(systemClock),
    logger,
    directUsers: users ?? UsersFile.fromContent({}),
    sms: outbox,
    email: outbox,
    clock: systemClock,
    sessions: new BoundedMemorySessionStore({
      max: config.session.max_sessions,
      defaultTtlMs: config.session.idle_timeout,
    }),
  };
  const gateway = await createGateway({ config, policy, ports });
  policy.watch();
  return {
    gateway,
    ports,
    policy,
    reload: async () => {
      await policy.reload();
      const result = await users?.reload();
      if (result && !result.ok) {
        logger.error('users file reload refused; the accounts already loaded stay', {
          problems: formatProblems(result.problems).split('\n'),
        });
      }
    },
    close: async () => {
      policy.close();
      gateway.close();
      await store.close();
    },
  };
}
