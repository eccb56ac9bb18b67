/**
 * Connections to the directory: TLS as configured (ldaps://, or StartTLS before anything else is
 * sent, checked against `tls.ca_file` or the system's authorities), the search account's bind,
 * and errors explained in words an operator can act on.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import type { LdapConfig } from './config.js';

/** Node's codes for a certificate the client does not trust or that names another host. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The directory answered the search account's bind with "no": a configuration problem, not an outage. */
export class SearchAccountRefusedError extends Error {
  override readonly name = 'SearchAccountRefusedError';
}

/** One line: what went wrong, and for TLS what to check. */
export function explain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ResultCodeError) {
    // The directory's own words, when it sent any, after its result code (49: invalid credentials).
    const diagnostic = error.message.replace(/\s*Code: 0x[0-9a-f]+$/, '').trim();
    return `${error.name} (LDAP result ${error.code})${diagnostic ? `: ${diagnostic}` : ''}`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
    return `TLS: the directory's certificate is not accepted (${error.message}); check logins.delegated.ldap.tls.ca_file and the host name in url`;
  }
  return `${error.name}: ${error.message}`;
}

function readCertificateAuthorities(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`tls.ca_file '${file}' cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

export interface ConnectionTimeouts {
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

export class LdapConnections {
  readonly #config: LdapConfig;
  readonly #timeouts: ConnectionTimeouts;
  readonly #tls: ConnectionOptions;

  /** Throws when the CA file cannot be read, so the problem shows at start, not at the first sign-in. */
  constructor(config: LdapConfig, timeouts: ConnectionTimeouts) {
    this.#config = config;
    this.#timeouts = timeouts;
    const ca = readCertificateAuthorities(config.tls.ca_file);
    const host = new URL(config.url).hostname.replace(/^\[|\]$/g, '');
    // The name the certificate must carry; SNI takes host names only, never addresses.
    this.#tls = { ...(ca && { ca }), host, ...(isIP(host) === 0 && { servername: host }) };
  }

  /** A connected client, upgraded by StartTLS first when configured; a failed upgrade is never plaintext. */
  async open(): Promise<Client> {
    const client = new Client({
      url: this.#config.url,
      connectTimeout: this.#timeouts.connectTimeoutMs,
      timeout: this.#timeouts.operationTimeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions is given: for ldaps:// only.
      ...(this.#config.url.startsWith('ldaps://') && { tlsOptions: this.#tls }),
    });
    if (this.#config.tls.starttls) {
      try {
        await client.startTLS({ ...this.#tls });
      } catch (error) {
        await client.unbind().catch(() => undefined);
        throw error;
      }
    }
    return client;
  }

  /** Binds the search account, or anonymously when there is none; a refusal says whose bind it was. */
  async bindSearchAccount(client: Client): Promise<void> {
    const { bind_dn: dn, bind_password: password } = this.#config;
    try {
      // Anonymous: an explicit anonymous bind (empty name and password) is what the server sees anyway.
      await client.bind(dn ?? '', dn === undefined ? '' : (password ?? ''));
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) throw error;
      const who = dn === undefined ? 'an anonymous bind' : `the search account '${dn}'`;
      throw new SearchAccountRefusedError(
        `the directory at ${this.#config.url} refused ${who}: ${explain(error)}; check bind_dn and bind_password`,
        { cause: error },
      );
    }
  }
}
