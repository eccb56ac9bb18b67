/**
 * Delegated authentication against an LDAP directory (SPEC §1.6, §3 `logins.delegated.ldap`):
 * the search account finds exactly one entry for the username, then a bind as that entry with
 * the password proves it. A directory that cannot answer throws DirectoryUnavailableError, so
 * the sign-in fails closed with a 503 rather than a 500 or, worse, a pass.
 */
import {
  Client,
  ConstraintViolationError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  UnwillingToPerformError,
  type Entry,
} from 'ldapts';
import type { Config } from '../../config/schema.js';
import {
  DirectoryUnavailableError,
  type Directory,
  type DirectoryUser,
  type Logger,
} from '../../gateway/ports.js';
import { requestedAttributes, toDirectoryUser } from './entry.js';
import { checkFilterTemplate, userFilter } from './filter.js';

export type LdapConfig = NonNullable<Config['logins']['delegated']>['ldap'];

export interface LdapDirectoryOptions {
  logger?: Logger | undefined;
  /** How long to wait for the TCP (and TLS) connection. Default 5 s. */
  connectTimeoutMs?: number | undefined;
  /** How long to wait for each bind or search answer. Default 5 s. */
  operationTimeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** More than one entry for a username is a directory problem, never a choice to make: 2 is enough to tell. */
const SIZE_LIMIT = 2;

const quiet: Logger = { info() {}, warn() {}, error() {} };

/**
 * Answers to the user's own bind that mean "not this password or not this account" (wrong
 * password, locked or disabled account under a password policy): the server is there and said
 * no, which is a failed sign-in, not an outage.
 */
const REFUSALS = [
  InvalidCredentialsError,
  InappropriateAuthError,
  InsufficientAccessError,
  UnwillingToPerformError,
  ConstraintViolationError,
];

function isRefusal(error: unknown): boolean {
  return REFUSALS.some((refusal) => error instanceof refusal);
}

function explain(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class LdapDirectory implements Directory {
  readonly #config: LdapConfig;
  readonly #logger: Logger;
  readonly #connectTimeoutMs: number;
  readonly #operationTimeoutMs: number;
  readonly #attributes: string[];

  /** Throws when the section cannot work (a filter that does not parse, a bind_dn without password). */
  constructor(config: LdapConfig, options: LdapDirectoryOptions = {}) {
    checkFilterTemplate(config.user_filter);
    if (config.bind_dn !== undefined && !config.bind_password) {
      // An empty password makes an unauthenticated bind: the search would quietly run anonymously.
      throw new Error('logins.delegated.ldap.bind_password must be set when bind_dn is set');
    }
    this.#config = config;
    this.#logger = options.logger ?? quiet;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#attributes = requestedAttributes(config.attributes);
  }

  async authenticate(username: string, password: string): Promise<DirectoryUser | undefined> {
    // A simple bind with a name and an empty password is an "unauthenticated bind" (RFC 4513
    // §5.1.2) that many servers answer with success: it must never reach the network, or any
    // known name would sign in without a password.
    if (username.trim() === '' || password === '') return undefined;
    const entry = await this.#findUser(username);
    if (!entry) return undefined;
    if (!(await this.#passwordBinds(entry.dn, password))) return undefined;
    return toDirectoryUser(entry, this.#config.attributes, username);
  }

  /** The entry as the search account sees it, for the help desk and the CLI (no password involved). */
  async lookup(username: string): Promise<DirectoryUser | undefined> {
    if (username.trim() === '') return undefined;
    const entry = await this.#findUser(username);
    return entry ? toDirectoryUser(entry, this.#config.attributes, username) : undefined;
  }

  async ping(): Promise<void> {
    await this.#withClient('ping', async (client) => {
      await this.#bindSearchAccount(client);
    });
  }

  /** The one entry the filter finds for this username, searched for by the search account. */
  async #findUser(username: string): Promise<Entry | undefined> {
    let filter;
    try {
      filter = userFilter(this.#config.user_filter, username);
    } catch {
      return undefined; // cannot happen with an escaped value; if it did, it matches nobody
    }
    const { searchEntries } = await this.#withClient('search', async (client) => {
      await this.#bindSearchAccount(client);
      return client.search(this.#config.base_dn, {
        scope: 'sub',
        filter,
        sizeLimit: SIZE_LIMIT,
        attributes: this.#attributes,
      });
    });
    if (searchEntries.length > 1) {
      this.#logger.warn('directory: several entries match one username; refusing the sign-in', {
        username,
        dns: searchEntries.map((entry) => entry.dn),
      });
    }
    return searchEntries.length === 1 ? searchEntries[0] : undefined;
  }

  /** Binds as the user on a connection of its own, so the search account's session is never reused. */
  async #passwordBinds(dn: string, password: string): Promise<boolean> {
    return this.#withClient('user bind', async (client) => {
      try {
        await client.bind(dn, password);
        return true;
      } catch (error) {
        if (!isRefusal(error)) throw error;
        if (!(error instanceof InvalidCredentialsError)) {
          this.#logger.info('directory: bind refused', { dn, reason: explain(error) });
        }
        return false;
      }
    });
  }

  async #bindSearchAccount(client: Client): Promise<void> {
    const { bind_dn: dn, bind_password: password } = this.#config;
    // Anonymous: an explicit anonymous bind (empty name and password) is what the server sees anyway.
    await client.bind(dn ?? '', dn === undefined ? '' : (password ?? ''));
  }

  /**
   * Runs `work` on a fresh connection and always closes it. Whatever goes wrong underneath
   * (refused, timed out, TLS, the server leaving mid-way, the search account refused) becomes
   * DirectoryUnavailableError; the detail goes to the log only.
   */
  async #withClient<T>(step: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({
      url: this.#config.url,
      connectTimeout: this.#connectTimeoutMs,
      timeout: this.#operationTimeoutMs,
    });
    try {
      return await work(client);
    } catch (error) {
      this.#logger.error('directory unavailable', { url: this.#config.url, step, error: explain(error) });
      throw new DirectoryUnavailableError(`The directory at ${this.#config.url} could not answer (${step})`, {
        cause: error,
      });
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}
