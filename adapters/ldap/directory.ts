/**
 * Delegated authentication against an LDAP directory (SPEC §1.6, §3 `logins.delegated.ldap`):
 * the search account finds exactly one entry for the username, then a bind as that entry with
 * the password proves it. A directory that cannot answer throws DirectoryUnavailableError, so
 * the sign-in fails closed with a 503 rather than a 500 or, worse, a pass.
 */
import type { Client } from 'ldapts';
import {
  ConstraintViolationError,
  InappropriateAuthError,
  InsufficientAccessError,
  InvalidCredentialsError,
  UnwillingToPerformError,
  type Entry,
} from 'ldapts';
import {
  DirectoryUnavailableError,
  type Directory,
  type DirectoryUser,
  type Logger,
} from '../../gateway/ports.js';
import { UnusableIdentityError } from '../../gateway/identity.js';
import type { LdapConfig } from './config.js';
import { explain, LdapConnections, SearchAccountRefusedError } from './connection.js';
import { requestedAttributes, toDirectoryUser } from './entry.js';
import { checkFilterTemplate, userFilter } from './filter.js';
import { detectNestedGroups, nestedGroups, type NestedGroups } from './groups.js';

export type { LdapConfig } from './config.js';
export { SearchAccountRefusedError } from './connection.js';

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

export class LdapDirectory implements Directory {
  readonly #config: LdapConfig;
  readonly #logger: Logger;
  readonly #connections: LdapConnections;
  readonly #attributes: string[];
  /** How nested groups are read, decided once (asking the root DSE when `nested_groups: true`). */
  #nesting: Promise<NestedGroups> | undefined;

  /** Throws when the section cannot work (a filter that does not parse, a bind_dn without password, an unreadable CA file). */
  constructor(config: LdapConfig, options: LdapDirectoryOptions = {}) {
    checkFilterTemplate(config.user_filter);
    if (config.bind_dn !== undefined && !config.bind_password) {
      // An empty password makes an unauthenticated bind: the search would quietly run anonymously.
      throw new Error('logins.delegated.ldap.bind_password must be set when bind_dn is set');
    }
    this.#config = config;
    this.#logger = options.logger ?? quiet;
    this.#connections = new LdapConnections(config, {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
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
    return this.#toUser(entry);
  }

  /** The entry as the search account sees it, for the help desk and the CLI (no password involved). */
  async lookup(username: string): Promise<DirectoryUser | undefined> {
    if (username.trim() === '') return undefined;
    const entry = await this.#findUser(username);
    return entry ? this.#toUser(entry) : undefined;
  }

  async ping(): Promise<void> {
    await this.#withClient('ping', async (client) => {
      await this.#connections.bindSearchAccount(client);
    });
  }

  /**
   * For `stepgate check --connect` and start-up: connects (TLS as configured) and binds the search
   * account. Throws SearchAccountRefusedError when the directory refuses that bind (naming the
   * bind DN and the directory's answer), or an Error saying why the directory cannot be reached.
   */
  async verify(): Promise<void> {
    let client: Client | undefined;
    try {
      client = await this.#connections.open();
      await this.#connections.bindSearchAccount(client);
    } catch (error) {
      if (error instanceof SearchAccountRefusedError) throw error;
      throw new Error(`cannot reach the directory at ${this.#config.url}: ${explain(error)}`, {
        cause: error,
      });
    } finally {
      await client?.unbind().catch(() => undefined);
    }
  }

  async #toUser(entry: Entry): Promise<DirectoryUser> {
    let user: DirectoryUser;
    try {
      user = toDirectoryUser(entry, { config: this.#config, logger: this.#logger });
    } catch (error) {
      if (error instanceof UnusableIdentityError) {
        this.#logger.error('directory: entry has no usable identity; sign-in refused', {
          error: error.message,
        });
      }
      throw error;
    }
    if (this.#config.nested_groups === false) return user;
    const groups = await this.#withClient('nested groups', async (client) => {
      await this.#connections.bindSearchAccount(client);
      const how = await this.#nestingFor(client);
      return nestedGroups(client, how, { dn: entry.dn, groups: user.groups }, this.#config, this.#logger);
    });
    return { ...user, groups };
  }

  #nestingFor(client: Client): Promise<NestedGroups> {
    const configured = this.#config.nested_groups;
    if (configured === 'in_chain' || configured === 'expand') return Promise.resolve(configured);
    this.#nesting ??= detectNestedGroups(client).catch((error: unknown) => {
      this.#nesting = undefined; // asked again next time
      throw error;
    });
    return this.#nesting;
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
      await this.#connections.bindSearchAccount(client);
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

  /**
   * Runs `work` on a fresh connection and always closes it. Whatever goes wrong underneath
   * (refused, timed out, TLS, the server leaving mid-way, the search account refused) becomes
   * DirectoryUnavailableError; the detail goes to the log only.
   */
  async #withClient<T>(step: string, work: (client: Client) => Promise<T>): Promise<T> {
    let client: Client | undefined;
    try {
      client = await this.#connections.open();
      return await work(client);
    } catch (error) {
      const detail = error instanceof SearchAccountRefusedError ? error.message : explain(error);
      this.#logger.error('directory unavailable', { url: this.#config.url, step, error: detail });
      throw new DirectoryUnavailableError(`The directory at ${this.#config.url} could not answer (${step})`, {
        cause: error,
      });
    } finally {
      await client?.unbind().catch(() => undefined);
    }
  }
}
