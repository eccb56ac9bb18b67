/**
 * The store's rows as the SQL drivers hand them over, and their conversion to and from the port's
 * records. SQLite and PostgreSQL share them because their schemas translate one-for-one (same
 * tables, same columns, see the two migrations.ts). The drivers differ only in how whole numbers
 * come back: better-sqlite3 as numbers, node-postgres BIGINT as text. So each row type takes the
 * driver's integer type, `Int` (number unless said), and reading a row takes the dialect's
 * `IntegerColumns`. Rows going in always hold numbers, which both drivers accept.
 */
import type {
  CodePurpose,
  CredentialRecord,
  MobileRecord,
  MobileSource,
  OneTimeCode,
  PermissionSetAssignment,
  RememberedNetwork,
  TemporaryCode,
} from '../../gateway/ports.js';
import { toMillis, toMillisOrNull } from './time.js';

/** How a dialect reads the whole numbers its driver returns. */
export interface IntegerColumns<Int> {
  /** A count, an id or a TOTP step. */
  integer(value: Int): number;
  /** Epoch milliseconds. */
  time(value: Int): Date;
}

function timeOrNull<Int>(read: IntegerColumns<Int>, value: Int | null): Date | null {
  return value === null ? null : read.time(value);
}

/** The row's values in the order of `columns`, for drivers that bind parameters by position. */
export function inColumnOrder<Row>(row: Row, columns: readonly (keyof Row)[]): Row[keyof Row][] {
  return columns.map((column) => row[column]);
}

export interface MobileRow<Int = number> {
  username: string;
  phone: string | null;
  verified_at: Int | null;
  source: string;
  removed_source_phone: string | null;
  updated_at: Int;
}

export const MOBILE_COLUMNS: readonly (keyof MobileRow)[] = [
  'username',
  'phone',
  'verified_at',
  'source',
  'removed_source_phone',
  'updated_at',
];

export function toMobile<Int>(row: MobileRow<Int>, read: IntegerColumns<Int>): MobileRecord {
  return {
    user: row.username,
    phone: row.phone,
    verifiedAt: timeOrNull(read, row.verified_at),
    source: row.source as MobileSource,
    removedSourcePhone: row.removed_source_phone,
    updatedAt: read.time(row.updated_at),
  };
}

export function toMobileRow(record: MobileRecord): MobileRow {
  return {
    username: record.user,
    phone: record.phone,
    verified_at: toMillisOrNull(record.verifiedAt),
    source: record.source,
    removed_source_phone: record.removedSourcePhone,
    updated_at: toMillis(record.updatedAt),
  };
}

export interface CredentialRow<Int = number> {
  id: string;
  username: string;
  type: string;
  name: string | null;
  data: string;
  created_at: Int;
  last_used_at: Int | null;
  counter: Int | null;
}

export const CREDENTIAL_COLUMNS: readonly (keyof CredentialRow)[] = [
  'id',
  'username',
  'type',
  'name',
  'data',
  'created_at',
  'last_used_at',
  'counter',
];

export function toCredential<Int>(row: CredentialRow<Int>, read: IntegerColumns<Int>): CredentialRecord {
  return {
    id: row.id,
    user: row.username,
    type: row.type,
    name: row.name,
    data: row.data,
    createdAt: read.time(row.created_at),
    lastUsedAt: timeOrNull(read, row.last_used_at),
    counter: row.counter === null ? null : read.integer(row.counter),
  };
}

export function toCredentialRow(record: CredentialRecord): CredentialRow {
  return {
    id: record.id,
    username: record.user,
    type: record.type,
    name: record.name,
    data: record.data,
    created_at: toMillis(record.createdAt),
    last_used_at: toMillisOrNull(record.lastUsedAt),
    counter: record.counter,
  };
}

export interface NetworkRow<Int = number> {
  username: string;
  network: string;
  first_used_at: Int;
  last_used_at: Int;
  method: string;
}

export const NETWORK_COLUMNS: readonly (keyof NetworkRow)[] = [
  'username',
  'network',
  'first_used_at',
  'last_used_at',
  'method',
];

export function toNetwork<Int>(row: NetworkRow<Int>, read: IntegerColumns<Int>): RememberedNetwork {
  return {
    user: row.username,
    network: row.network,
    firstUsedAt: read.time(row.first_used_at),
    lastUsedAt: read.time(row.last_used_at),
    method: row.method,
  };
}

export interface CodeRow<Int = number> {
  id: string;
  username: string;
  purpose: string;
  method: string;
  hash: string;
  destination: string;
  created_at: Int;
  expires_at: Int;
  attempts: number;
  max_attempts: number;
  consumed_at: Int | null;
}

export const CODE_COLUMNS: readonly (keyof CodeRow)[] = [
  'id',
  'username',
  'purpose',
  'method',
  'hash',
  'destination',
  'created_at',
  'expires_at',
  'attempts',
  'max_attempts',
  'consumed_at',
];

export function toCode<Int>(row: CodeRow<Int>, read: IntegerColumns<Int>): OneTimeCode {
  return {
    id: row.id,
    user: row.username,
    purpose: row.purpose as CodePurpose,
    method: row.method as OneTimeCode['method'],
    hash: row.hash,
    destination: row.destination,
    createdAt: read.time(row.created_at),
    expiresAt: read.time(row.expires_at),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    consumedAt: timeOrNull(read, row.consumed_at),
  };
}

export function toCodeRow(code: OneTimeCode): CodeRow {
  return {
    id: code.id,
    username: code.user,
    purpose: code.purpose,
    method: code.method,
    hash: code.hash,
    destination: code.destination,
    created_at: toMillis(code.createdAt),
    expires_at: toMillis(code.expiresAt),
    attempts: code.attempts,
    max_attempts: code.maxAttempts,
    consumed_at: toMillisOrNull(code.consumedAt),
  };
}

export interface TemporaryCodeRow<Int = number> {
  username: string;
  hash: string;
  issued_at: Int;
  expires_at: Int;
  issued_by: string;
  expired_at: Int | null;
}

export const TEMPORARY_CODE_COLUMNS: readonly (keyof TemporaryCodeRow)[] = [
  'username',
  'hash',
  'issued_at',
  'expires_at',
  'issued_by',
  'expired_at',
];

export function toTemporaryCode<Int>(row: TemporaryCodeRow<Int>, read: IntegerColumns<Int>): TemporaryCode {
  return {
    user: row.username,
    hash: row.hash,
    issuedAt: read.time(row.issued_at),
    expiresAt: read.time(row.expires_at),
    issuedBy: row.issued_by,
    expiredAt: timeOrNull(read, row.expired_at),
  };
}

export function toTemporaryCodeRow(code: TemporaryCode): TemporaryCodeRow {
  return {
    username: code.user,
    hash: code.hash,
    issued_at: toMillis(code.issuedAt),
    expires_at: toMillis(code.expiresAt),
    issued_by: code.issuedBy,
    expired_at: toMillisOrNull(code.expiredAt),
  };
}

export interface AssignmentRow<Int = number> {
  username: string;
  permission_set: string;
  assigned_at: Int;
  assigned_by: string;
}

export const ASSIGNMENT_COLUMNS: readonly (keyof AssignmentRow)[] = [
  'username',
  'permission_set',
  'assigned_at',
  'assigned_by',
];

export function toAssignment<Int>(
  row: AssignmentRow<Int>,
  read: IntegerColumns<Int>,
): PermissionSetAssignment {
  return {
    user: row.username,
    permissionSet: row.permission_set,
    assignedAt: read.time(row.assigned_at),
    assignedBy: row.assigned_by,
  };
}

export function toAssignmentRow(assignment: PermissionSetAssignment): AssignmentRow {
  return {
    username: assignment.user,
    permission_set: assignment.permissionSet,
    assigned_at: toMillis(assignment.assignedAt),
    assigned_by: assignment.assignedBy,
  };
}
