/**
 * Stores made before usernames had one canonical spelling (gateway/identity.ts) may hold one
 * person under several spellings (`MZhang` from the users file, `mzhang` and
 * `mo.zhang@corp.example` typed at a directory sign-in). Moving their rows to the canonical
 * spelling, merging where two spellings hold the same thing, is done in two parts:
 *
 * - `canonicalUsernameSteps`, run by schema migration 3 in SQLite and PostgreSQL alike: every
 *   table whose rows hold no encrypted value.
 * - `moveSealedRecords`, run through the Store port once the store is open with its key: mobile
 *   numbers and credentials' data are sealed with the username as associated data
 *   (adapters/crypto/fields.ts), so only a store that can open and seal them again may move them.
 *
 * Where two spellings hold the same key (a network, a permission set), the row used last stays.
 */
import { canonicalUsername } from '../../gateway/identity.js';
import { isSealed } from '../crypto/key.js';
import type { Store } from '../../gateway/ports.js';

/** A statement of the migration; `?` placeholders, rewritten by the PostgreSQL driver. */
export interface Step {
  sql: string;
  params: readonly unknown[];
  /** Whether the driver must hand the rows back to the generator. */
  rows?: true;
}

interface UserTable {
  name: string;
  /** The other columns of the primary key, when the username is part of one. */
  key?: readonly string[];
  /** Which row of two that collide stays: the one with the larger value here. */
  newest?: string;
}

/** The tables migration 3 moves; mobiles and credentials are moveSealedRecords' part. */
const TABLES: readonly UserTable[] = [
  { name: 'remembered_networks', key: ['network'], newest: 'last_used_at' },
  { name: 'permission_set_assignments', key: ['permission_set'], newest: 'assigned_at' },
  { name: 'registration_declines', key: [], newest: 'declined_at' },
  { name: 'one_time_codes' },
  { name: 'temporary_codes' },
  { name: 'verification_history' },
];

/** Rows of `table` under `username` whose key another spelling of theirs also holds. */
function collidingWith(table: UserTable, key: readonly string[], also: string): string {
  const same = key.map((column) => `other.${column} = ${table.name}.${column}`);
  return `EXISTS (SELECT 1 FROM ${table.name} AS other WHERE ${['other.username = ?', ...same, also].join(' AND ')})`;
}

function* moveTable(table: UserTable): Generator<Step, void, Record<string, unknown>[]> {
  const rows = yield { sql: `SELECT DISTINCT username FROM ${table.name}`, params: [], rows: true };
  const names = rows.map((row) => String(row.username));
  for (const from of names) {
    const to = canonicalUsername(from);
    if (to === from) continue;
    if (table.key && table.newest) {
      const newest = table.newest;
      // Of two rows for one key, the older goes, whichever spelling it has.
      yield {
        sql: `DELETE FROM ${table.name} WHERE username = ? AND ${collidingWith(table, table.key, `other.${newest} >= ${table.name}.${newest}`)}`,
        params: [from, to],
      };
      yield {
        sql: `DELETE FROM ${table.name} WHERE username = ? AND ${collidingWith(table, table.key, `other.${newest} > ${table.name}.${newest}`)}`,
        params: [to, from],
      };
    }
    yield { sql: `UPDATE ${table.name} SET username = ? WHERE username = ?`, params: [to, from] };
  }
}

/**
 * Migration 3's statements, for a driver to run in order inside the migration's transaction:
 * a step with `rows` is a query whose rows the driver hands back to the generator.
 */
export function* canonicalUsernameSteps(): Generator<Step, void, Record<string, unknown>[]> {
  for (const table of TABLES) yield* moveTable(table);
}

/** The Store setting that records moveSealedRecords has run on this store. */
export const SEALED_RECORDS_MOVED = 'canonical_usernames';

/**
 * Moves mobile numbers and credentials kept under another spelling to the canonical one, through
 * `store` (which opens and seals them again when it encrypts). Of two numbers, the newer stays;
 * credentials all move (a method that keeps one per user answers with its newest). A number's old
 * row is emptied, as a help desk's removal leaves it: the port has no deletion of numbers, and
 * nothing looks a non-canonical name up any more. Runs once per store; returns how many records
 * it moved.
 */
export async function moveSealedRecords(store: Store): Promise<number> {
  if ((await store.getSetting(SEALED_RECORDS_MOVED)) !== undefined) return 0;
  let moved = 0;
  let unopened = false;
  for (const record of await store.listMobiles()) {
    const user = canonicalUsername(record.user);
    if (user === record.user || (record.phone === null && record.removedSourcePhone === null)) continue;
    // Still sealed: this store was opened without its key. Moving it would break the seal's binding.
    if ([record.phone, record.removedSourcePhone].some((value) => value !== null && isSealed(value))) {
      unopened = true;
      continue;
    }
    const current = await store.getMobile(user);
    if (!current || current.updatedAt < record.updatedAt) await store.saveMobile({ ...record, user });
    await store.saveMobile({ ...record, phone: null, removedSourcePhone: null, verifiedAt: null });
    moved += 1;
  }
  for (const record of await store.listAllCredentials()) {
    const user = canonicalUsername(record.user);
    if (user === record.user) continue;
    if (isSealed(record.data)) {
      unopened = true;
      continue;
    }
    // Same id: the row is rewritten under the canonical name (and sealed for it).
    await store.saveCredential({ ...record, user });
    moved += 1;
  }
  // Tried again at the next start, with the key, when some could not be opened this time.
  if (!unopened) await store.addSetting(SEALED_RECORDS_MOVED, 'done');
  return moved;
}
