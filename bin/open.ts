/**
 * Opening the outside systems a config names: the store (SQLite or PostgreSQL, encrypted at rest),
 * the directory, the notifiers and the GeoIP database. Shared by `stepgate serve` (compose.ts)
 * and the admin commands, so the break-glass CLI reaches exactly what the gateway uses.
 */
import {
  EncryptingStore,
  EncryptionKeyMismatchError,
  parseEncryptionKey,
} from '../adapters/crypto/encrypting-store.js';
import { LdapDirectory } from '../adapters/ldap/directory.js';
import type { MaxMindPlaces } from '../adapters/geoip/maxmind.js';
import { Outbox } from '../adapters/outbox/outbox.js';
import { PostgresStore } from '../adapters/postgres/store.js';
import { SqliteStore } from '../adapters/sqlite/store.js';
import { moveSealedRecords } from '../adapters/sql/usernames.js';
import type { Config } from '../config/schema.js';
import type { HistoryChain } from '../gateway/history-chain.js';
import { systemClock, type Clock, type Logger, type Ports, type Store } from '../gateway/ports.js';
import { HistoryKeyError, historyChainFrom } from './history-key.js';

/** A problem that stops a command, printed as one line. */
export class StartupError extends Error {}

/** Where the store lives, for messages: a PostgreSQL URL without its password. */
function storeLocation(config: Pick<Config, 'store'>): string {
  if (config.store.type !== 'postgres') return config.store.path;
  try {
    const url = new URL(config.store.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'store.url';
  }
}

/**
 * Opens and migrates the store, its history chained with the key in the environment
 * (history-key.ts); an unreachable or too new database, or a bad key, stops start-up, saying why.
 */
export async function openStore(
  config: Pick<Config, 'store'>,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Store> {
  let historyChain: HistoryChain;
  try {
    historyChain = historyChainFrom(env, config, logger);
  } catch (error) {
    if (error instanceof HistoryKeyError) throw new StartupError(error.message);
    throw error;
  }
  try {
    if (config.store.type !== 'postgres') return SqliteStore.open(config.store.path, { historyChain });
    return await PostgresStore.open(config.store.url, {
      historyChain,
      queryTimeoutMs: config.store.query_timeout,
      onIdleError: (error) =>
        logger.warn('store: an idle PostgreSQL connection failed; the next query opens a new one', {
          error: error.message,
        }),
    });
  } catch (error) {
    throw new StartupError(`store: cannot open '${storeLocation(config)}': ${(error as Error).message}`);
  }
}

/**
 * Phone numbers and authenticator secrets are encrypted at rest when store.encryption_key is set
 * (SPEC §2). Without it stepgate still runs (the demo), saying so once at start. Then, once per
 * store, the numbers and secrets kept under another spelling of a username move to the canonical
 * one: only now, with the key, can they be opened and sealed again (adapters/sql/usernames.ts).
 */
export async function encryptAtRest(
  store: Store,
  config: Pick<Config, 'store'>,
  logger: Logger,
): Promise<Store> {
  const keyText = config.store.encryption_key;
  if (keyText === undefined) {
    logger.warn(
      'store.encryption_key is not set: phone numbers and authenticator secrets are stored unencrypted',
    );
    return withCanonicalUsernames(store, logger);
  }
  try {
    return await withCanonicalUsernames(
      await EncryptingStore.open(store, parseEncryptionKey(keyText)),
      logger,
    );
  } catch (error) {
    await store.close();
    if (error instanceof EncryptionKeyMismatchError) throw new StartupError(error.message);
    throw error;
  }
}

async function withCanonicalUsernames(store: Store, logger: Logger): Promise<Store> {
  const moved = await moveSealedRecords(store);
  if (moved > 0)
    logger.info('store: mobile numbers and authenticators moved to canonical usernames', { moved });
  return store;
}

/** The directory when logins.delegated.ldap is configured; a filter that does not parse stops start-up. */
export function openDirectory(config: Pick<Config, 'logins'>, logger: Logger): LdapDirectory | undefined {
  const ldap = config.logins.delegated?.ldap;
  if (!ldap) return undefined;
  try {
    return new LdapDirectory(ldap, { logger });
  } catch (error) {
    throw new StartupError(`logins.delegated.ldap: ${(error as Error).message}`);
  }
}

/**
 * SMS and email senders by provider; the outbox serves a channel not configured to send. The
 * provider clients load only when chosen: `twilio` alone adds about a second to every command.
 */
export async function openNotifiers(
  config: Pick<Config, 'notifications'>,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<Pick<Ports, 'sms' | 'email'> & { close(): void }> {
  const { sms, email, outbox_path } = config.notifications;
  const outbox = new Outbox(outbox_path, clock);
  // The schema requires the block of the chosen provider; these checks only narrow the types.
  if (sms.provider === 'twilio' && !sms.twilio)
    throw new StartupError('notifications.sms.twilio is required');
  if (email.provider === 'smtp' && !email.smtp)
    throw new StartupError('notifications.email.smtp is required');
  const twilio =
    sms.provider === 'twilio' && sms.twilio
      ? new (await import('../adapters/twilio/sms.js')).TwilioSms(sms.twilio, { logger })
      : undefined;
  const smtp =
    email.provider === 'smtp' && email.smtp
      ? new (await import('../adapters/smtp/email.js')).SmtpEmail(email.smtp, { logger })
      : undefined;
  return { sms: twilio ?? outbox, email: smtp ?? outbox, close: () => smtp?.close() };
}

/**
 * The GeoIP database for places in new-network notices, when notifications.geoip_database names
 * one; a file that is missing, unreadable or no MaxMind database stops start-up (and fails
 * `stepgate check`), naming the key and the path. Loaded only then: most gateways have none.
 */
export async function openPlaces(config: Pick<Config, 'notifications'>): Promise<MaxMindPlaces | undefined> {
  const path = config.notifications.geoip_database;
  if (path === undefined || path === '') return undefined;
  const { MaxMindPlaces, GeoIpDatabaseError } = await import('../adapters/geoip/maxmind.js');
  try {
    return await MaxMindPlaces.open(path);
  } catch (error) {
    if (error instanceof GeoIpDatabaseError)
      throw new StartupError(`notifications.geoip_database: ${error.message}`);
    throw error;
  }
}
