/**
 * TLS to the directory (`logins.delegated.ldap.tls`) against a real slapd serving certificates
 * this test made: StartTLS and ldaps:// with the right CA work; with the wrong CA, or against a
 * directory that offers no StartTLS, nothing is sent in plaintext and the error says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import { DirectoryUnavailableError } from '../../gateway/ports.js';
import { DIRECTORY_PASSWORD, MIRA_MOBILE } from '../fixtures/ldap/people.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/test-ca.js';

let certificates: TestCertificates;
let slapd: Slapd;
/** A directory without TLS: it answers StartTLS with an error. */
let plain: Slapd;

beforeAll(async () => {
  certificates = await makeTestCertificates();
  [slapd, plain] = await Promise.all([
    startSlapd({ tls: { certFile: certificates.certFile, keyFile: certificates.keyFile } }),
    startSlapd(),
  ]);
});
afterAll(async () => {
  await Promise.all([slapd?.stop(), plain?.stop()]);
  await certificates?.remove();
});

function ldapsUrl(): string {
  if (!slapd.ldapsUrl) throw new Error('slapd was started without ldaps://');
  return slapd.ldapsUrl;
}

describe('StartTLS', () => {
  it('signs in over ldap:// upgraded with StartTLS, trusting the configured CA', async () => {
    const directory = new LdapDirectory(
      ldapConfig(slapd.url, { tls: { starttls: true, ca_file: certificates.caFile } }),
    );
    await expect(directory.verify()).resolves.toBeUndefined();
    expect(await directory.authenticate('mira', DIRECTORY_PASSWORD)).toMatchObject({
      username: 'mira',
      mobile: MIRA_MOBILE,
    });
  });

  it('refuses a certificate the configured CA did not sign, saying so', async () => {
    const directory = new LdapDirectory(
      ldapConfig(slapd.url, { tls: { starttls: true, ca_file: certificates.otherCaFile } }),
    );
    await expect(directory.authenticate('mira', DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    await expect(directory.verify()).rejects.toThrow(
      /cannot reach the directory at ldap:\/\/127\.0\.0\.1:\d+: TLS: the directory's certificate is not accepted .*tls\.ca_file/,
    );
  });

  it('refuses the system authorities for a certificate of a private CA', async () => {
    const directory = new LdapDirectory(ldapConfig(slapd.url, { tls: { starttls: true } }));
    await expect(directory.verify()).rejects.toThrow(/certificate is not accepted/);
  });

  it('never goes on in plaintext when the directory offers no StartTLS', async () => {
    const directory = new LdapDirectory(
      ldapConfig(plain.url, { tls: { starttls: true, ca_file: certificates.caFile } }),
    );
    await expect(directory.authenticate('mira', DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    await expect(directory.verify()).rejects.toThrow(/cannot reach the directory/);
    // Without StartTLS the same directory answers: the refusal was the upgrade's.
    await expect(new LdapDirectory(ldapConfig(plain.url)).verify()).resolves.toBeUndefined();
  });
});

describe('ldaps://', () => {
  it('signs in when the CA file signed the certificate', async () => {
    const directory = new LdapDirectory(ldapConfig(ldapsUrl(), { tls: { ca_file: certificates.caFile } }));
    expect((await directory.authenticate('MIRA', DIRECTORY_PASSWORD))?.username).toBe('mira');
  });

  it('refuses the connection with the wrong CA', async () => {
    const directory = new LdapDirectory(
      ldapConfig(ldapsUrl(), { tls: { ca_file: certificates.otherCaFile } }),
    );
    await expect(directory.verify()).rejects.toThrow(/TLS: the directory's certificate is not accepted/);
    await expect(directory.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});

describe('a tls section that cannot work', () => {
  it('is refused when the adapter is built: a CA file that cannot be read', () => {
    expect(
      () => new LdapDirectory(ldapConfig(slapd.url, { tls: { ca_file: '/nonexistent/ca.pem' } })),
    ).toThrow(/tls\.ca_file '\/nonexistent\/ca\.pem' cannot be read/);
  });

  it('is a config error: starttls on an ldaps:// URL', () => {
    expect(() => ldapConfig(ldapsUrl(), { tls: { starttls: true } })).toThrow(
      /an ldaps:\/\/ connection is encrypted from the start/,
    );
  });
});
