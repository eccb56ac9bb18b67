/**
 * Sidecar transactions: one sign-in the IdP is walking through, bound to the API token that
 * started it and to the user, expiring with the code lifetime. They live in the session store,
 * so they are shared by every instance exactly as browser sessions are (memory or Redis).
 */
import { randomBytes } from 'node:crypto';
import type { SessionData, Store as SessionStore } from 'express-session';
import { GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import type { Clock } from '../../ports.js';
import type { SignedInUser } from '../../sessions.js';

export interface Transaction {
  id: string;
  /** The API token (by name) that started it: no other token may use it. */
  token: string;
  auth: SignedInUser;
  expiresAt: number;
}

type StoredTransaction = SessionData & { sidecar?: Omit<Transaction, 'id'> };

const KEY_PREFIX = 'sidecar-tx:';

const unknownTransaction = () =>
  new GatewayError(404, 'unknown_transaction', t('error.sidecar.unknown_transaction'));

function call<T>(run: (done: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))));
}

export class Transactions {
  constructor(private readonly deps: { sessions: SessionStore; clock: Clock }) {}

  async create(token: string, auth: SignedInUser, lifetimeMs: number): Promise<Transaction> {
    const transaction = { id: randomBytes(24).toString('base64url'), token, auth, expiresAt: 0 };
    await this.save(transaction, lifetimeMs);
    return transaction;
  }

  /** Each step extends the transaction by one lifetime from now. */
  async save(transaction: Transaction, lifetimeMs: number): Promise<void> {
    transaction.expiresAt = this.deps.clock.now().getTime() + lifetimeMs;
    const { id, ...rest } = transaction;
    // The session store expires entries by their cookie: give the transaction one.
    const data = {
      cookie: { originalMaxAge: lifetimeMs, expires: new Date(Date.now() + lifetimeMs) },
      sidecar: rest,
    } as unknown as StoredTransaction;
    await call<void>((done) => this.deps.sessions.set(KEY_PREFIX + id, data, (err) => done(err)));
  }

  /** The caller's transaction; someone else's, an expired or a made-up one is the same 404. */
  async load(id: string, token: string): Promise<Transaction> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id)) throw unknownTransaction();
    const data = await call<SessionData | null>((done) => this.deps.sessions.get(KEY_PREFIX + id, done));
    const stored = (data as StoredTransaction | null | undefined)?.sidecar;
    if (!stored || stored.token !== token || stored.expiresAt <= this.deps.clock.now().getTime()) {
      throw unknownTransaction();
    }
    return { id, ...stored };
  }

  async end(id: string): Promise<void> {
    await call<void>((done) => this.deps.sessions.destroy(KEY_PREFIX + id, (err) => done(err)));
  }
}
