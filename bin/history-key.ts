/**
 * The history key from the environment (docs/history.md): STEPGATE_HISTORY_KEY chains the entries
 * written from now on; STEPGATE_HISTORY_OLD_KEYS, comma-separated, only checks the entries that
 * earlier keys chained. Each is 32 random bytes as base64 or hex, like store.encryption_key, and
 * must not be that key: each secret keeps to one purpose.
 */
import { parseEncryptionKey } from '../adapters/crypto/key.js';
import type { Config } from '../config/schema.js';
import { HistoryChain, HistoryKey } from '../gateway/history-chain.js';
import type { Logger } from '../gateway/ports.js';

export const HISTORY_KEY_VARIABLE = 'STEPGATE_HISTORY_KEY';
export const OLD_HISTORY_KEYS_VARIABLE = 'STEPGATE_HISTORY_OLD_KEYS';

/** A key that is malformed, or is another secret's. */
export class HistoryKeyError extends Error {}

function keyBytes(text: string, name: string): Buffer {
  try {
    return parseEncryptionKey(text.trim(), name);
  } catch (error) {
    throw new HistoryKeyError((error as Error).message);
  }
}

/** The chain the store writes and checks with; warns once when entries will carry no hash. */
export function historyChainFrom(
  env: NodeJS.ProcessEnv,
  config: Pick<Config, 'store'>,
  logger: Logger,
): HistoryChain {
  const text = env[HISTORY_KEY_VARIABLE] ?? '';
  const current = text === '' ? undefined : keyBytes(text, HISTORY_KEY_VARIABLE);
  const old = (env[OLD_HISTORY_KEYS_VARIABLE] ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part, index) => keyBytes(part, `${OLD_HISTORY_KEYS_VARIABLE} (key ${index + 1})`));
  const encryption = config.store.encryption_key;
  if (encryption !== undefined && current?.equals(parseEncryptionKey(encryption))) {
    throw new HistoryKeyError(`${HISTORY_KEY_VARIABLE} must be a key of its own, not store.encryption_key`);
  }
  if (current === undefined) {
    logger.warn(
      `${HISTORY_KEY_VARIABLE} is not set: history entries are written without a hash, and 'stepgate admin history verify' will name them`,
    );
  }
  return new HistoryChain(
    current && new HistoryKey(current),
    old.map((bytes) => new HistoryKey(bytes)),
  );
}
