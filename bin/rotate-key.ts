/**
 * `stepgate admin rotate-key`: re-encrypts the phone numbers and authenticator secrets in the store
 * under a new key, and seals any left in plaintext from before encryption was turned on.
 *
 *   1. Stop every stepgate instance that uses the store.
 *   2. Make a new key: `openssl rand -base64 32`.
 *   3. Run `STEPGATE_NEW_ENCRYPTION_KEY='<new key>' stepgate admin rotate-key --config stepgate.yaml`
 *      with the config still giving the current key in store.encryption_key (leave it unset when
 *      the store was never encrypted; give the same key twice to only seal plaintext).
 *   4. Set store.encryption_key to the new key and start stepgate again.
 *
 * If step 3 is interrupted, stepgate still starts with the current key, and running step 3 again
 * with the same two keys finishes the job (see adapters/crypto/rotate-key.ts).
 */
import type { Writable } from 'node:stream';
import { parseEncryptionKey, rotateKey } from '../adapters/crypto/encrypting-store.js';
import { KeyRotationError } from '../adapters/crypto/errors.js';
import { PostgresStore } from '../adapters/postgres/store.js';
import { SqliteStore } from '../adapters/sqlite/store.js';
import { loadConfigWithoutSecret } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { formatProblems } from '../config/yaml-loader.js';
import type { Store } from '../gateway/ports.js';

/** The environment variable holding the new key; the current one stays in store.encryption_key. */
export const NEW_KEY_VARIABLE = 'STEPGATE_NEW_ENCRYPTION_KEY';

export interface RotateKeyOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: Writable;
  stderr?: Writable;
}

/** A problem the operator can fix; printed as one line, without a stack. */
class RotateKeyProblem extends Error {}

function newKeyFrom(env: NodeJS.ProcessEnv): Buffer {
  const text = env[NEW_KEY_VARIABLE];
  if (text === undefined || text === '') {
    throw new RotateKeyProblem(
      `set ${NEW_KEY_VARIABLE} to the new key (make one with 'openssl rand -base64 32')`,
    );
  }
  try {
    return parseEncryptionKey(text, NEW_KEY_VARIABLE);
  } catch (error) {
    throw new RotateKeyProblem((error as Error).message);
  }
}

/** The store as its adapter writes it, without the encryption decorator. */
async function openRawStore(settings: Config['store']): Promise<Store> {
  const where = settings.type === 'postgres' ? 'store.url' : `'${settings.path}'`;
  try {
    // A failed idle connection is replaced by the next query; a one-off command has nothing to log.
    if (settings.type === 'postgres')
      return await PostgresStore.open(settings.url, { onIdleError: () => {} });
    return SqliteStore.open(settings.path);
  } catch (error) {
    throw new RotateKeyProblem(`store: cannot open ${where}: ${(error as Error).message}`);
  }
}

/** Runs the rotation for the config at `configPath`; returns the exit code. */
export async function runRotateKey(configPath: string, options: RotateKeyOptions = {}): Promise<number> {
  const { env = process.env, stdout = process.stdout, stderr = process.stderr } = options;
  try {
    // Like the other admin commands, it needs the store's settings, not session.secret.
    const loaded = await loadConfigWithoutSecret(configPath, env);
    if (!loaded.ok) throw new RotateKeyProblem(formatProblems(loaded.problems));
    const { store: settings } = loaded.value;
    const newKey = newKeyFrom(env);
    // The schema has checked its form already.
    const oldKey =
      settings.encryption_key === undefined ? undefined : parseEncryptionKey(settings.encryption_key);
    const store = await openRawStore(settings);
    try {
      const result = await rotateKey(store, oldKey, newKey);
      stdout.write(
        `rotate-key: re-encrypted ${result.mobiles} mobile record(s) and ${result.credentials} credential(s) ` +
          'under the new key; now set store.encryption_key to the new key and start stepgate\n',
      );
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (!(error instanceof RotateKeyProblem || error instanceof KeyRotationError)) throw error;
    stderr.write(`stepgate: admin rotate-key: ${error.message}\n`);
    return 1;
  }
}
