import type {
  CredentialRecord,
  HistoryEntry,
  MobileRecord,
  OneTimeCode,
  Store,
  TemporaryCode,
} from '../../gateway/ports.js';

/** The store under test; a fresh one for every case. */
export type CurrentStore = () => Store;

// A fixed instant with a millisecond part, so a store that rounds to seconds fails the round trips.
const base = Date.UTC(2030, 0, 15, 9, 30, 0, 123);

/** The fixed instant plus `minutes`. */
export function at(minutes: number): Date {
  return new Date(base + minutes * 60_000);
}

export function mobile(overrides: Partial<MobileRecord> = {}): MobileRecord {
  return {
    user: 'user-1',
    phone: '+14155550100',
    verifiedAt: at(0),
    source: 'self',
    removedSourcePhone: null,
    updatedAt: at(1),
    ...overrides,
  };
}

/** A credential of user-1 (an authenticator app's unless said), created at `at(0)`, never used. */
export function credential(overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  return {
    id: 'credential-1',
    user: 'user-1',
    type: 'authenticator',
    name: null,
    data: 'JBSWY3DPEHPK3PXP',
    createdAt: at(0),
    lastUsedAt: null,
    counter: null,
    ...overrides,
  };
}

let codeNumber = 0;

export function code(overrides: Partial<OneTimeCode> = {}): OneTimeCode {
  codeNumber += 1;
  return {
    id: `code-${codeNumber}`,
    user: 'user-1',
    purpose: 'confirm',
    method: 'sms',
    hash: `hash-${codeNumber}`,
    destination: '+14155550100',
    createdAt: at(0),
    expiresAt: at(10),
    attempts: 0,
    maxAttempts: 5,
    consumedAt: null,
    ...overrides,
  };
}

export function temporaryCode(overrides: Partial<TemporaryCode> = {}): TemporaryCode {
  return {
    user: 'user-1',
    hash: 'temporary-hash',
    issuedAt: at(0),
    expiresAt: at(60),
    issuedBy: 'helpdesk-1',
    expiredAt: null,
    ...overrides,
  };
}

export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    time: at(0),
    user: 'user-1',
    method: 'sms',
    status: 'Succeeded',
    triggeredBy: 'NewNetwork',
    sourceIp: '203.0.113.7',
    login: 'direct',
    entryPoint: 'standard',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
    detail: 'rule: everyone else',
    ...overrides,
  };
}
