/** stepgate.yaml `store:`. */
import { z } from 'zod';
import { duration } from '../duration.js';
import { RELATIVE } from './common.js';

// The form of store.encryption_key; adapters/crypto/key.ts reads the key with the same rule.
const ENCRYPTION_KEY_FORMS =
  "must be 32 random bytes written as base64 (44 characters) or hex (64 characters); make one with 'openssl rand -base64 32'";

function isEncryptionKeyText(text: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return true;
  return /^[A-Za-z0-9+/]{43}=$/.test(text) && Buffer.from(text, 'base64').length === 32;
}

export const storeSchema = z
  .strictObject({
    type: z.enum(['sqlite', 'postgres']).prefault('sqlite').describe('Which database to use.'),
    path: z
      .string()
      .prefault('./var/stepgate.db')
      .describe(`SQLite database file when type is sqlite. ${RELATIVE}`),
    url: z
      .string()
      .prefault('postgres://localhost/stepgate')
      .describe('PostgreSQL URL when type is postgres.'),
    encryption_key: z
      .string()
      .refine(isEncryptionKeyText, ENCRYPTION_KEY_FORMS)
      .optional()
      .describe(
        "Key that encrypts authenticator secrets and phone numbers at rest, and sessions kept in Redis: 32 random bytes as base64 or hex ('openssl rand -base64 32'); set it from the environment. Without it they are stored unencrypted. To change it, use 'stepgate admin rotate-key'.",
      ),
    query_timeout: duration()
      .prefault('2s')
      .describe(
        'A PostgreSQL query, or a new connection to it, that takes longer fails; the request gets 503 store_unavailable instead of waiting.',
      ),
    history_retention: duration()
      .prefault('180d')
      .describe('Verification history older than this is deleted (checked at start and every hour).'),
  })
  .describe('Where stepgate keeps mobiles, authenticators, remembered networks, codes and history.');
