/**
 * The keys of `logins.saml`, read once at start-up. Each setting is inline PEM or the path of a PEM
 * file. `idp_cert` may be a list, for rollover: a signature by any of them is accepted.
 * `sp_private_key` and `sp_certificate` are our own pair, for signing and decryption; a pair that
 * does not belong together would be found out only when the IdP refuses us, so it stops start-up.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A `logins.saml` setting that cannot work; the message names the key and the bad value. */
export class SamlConfigError extends Error {
  override readonly name = 'SamlConfigError';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(text: string): string[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map((match) => match[0]);
}

/** The PEM text of a setting and how to name it in a message: "entry 2 (inline PEM)", "file 'x'". */
function readSetting(option: string, entry: string, index?: number): { text: string; source: string } {
  if (entry.includes('-----BEGIN')) {
    return { text: entry, source: index === undefined ? 'inline PEM' : `entry ${index + 1} (inline PEM)` };
  }
  try {
    return { text: readFileSync(entry, 'utf8'), source: `file '${entry}'` };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SamlConfigError(
      `logins.saml: option '${option}' names the file '${entry}', which cannot be read (${reason})`,
    );
  }
}

function parseCertificate(pem: string, option: string, source: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new SamlConfigError(
      `logins.saml: option '${option}' ${source} holds a certificate that cannot be parsed`,
    );
  }
}

function onlyCertificate(option: string, entry: string): { pem: string; certificate: X509Certificate } {
  const { text, source } = readSetting(option, entry);
  const found = certificatesIn(text);
  if (found.length !== 1) {
    const count = found.length === 0 ? 'no PEM certificate' : `${found.length} certificates, not one`;
    throw new SamlConfigError(`logins.saml: option '${option}' ${source} holds ${count}`);
  }
  return { pem: found[0]!, certificate: parseCertificate(found[0]!, option, source) };
}

/** One PEM certificate per trusted key; throws SamlConfigError naming the file or entry at fault. */
export function loadIdpCertificates(setting: string | string[]): string[] {
  const entries = Array.isArray(setting) ? setting : [setting];
  return entries.flatMap((entry, index) => {
    const { text, source } = readSetting('idp_cert', entry, index);
    const found = certificatesIn(text);
    if (found.length === 0) {
      throw new SamlConfigError(`logins.saml: option 'idp_cert' ${source} holds no PEM certificate`);
    }
    for (const pem of found) parseCertificate(pem, 'idp_cert', source);
    return found;
  });
}

export interface SpKeyPair {
  /** PKCS#8 PEM, as node-saml and xml-encryption take it. */
  privateKey: string;
  certificate: string;
}

function parsePrivateKey(text: string, source: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch {
    throw new SamlConfigError(
      `logins.saml: option 'sp_private_key' ${source} holds no unencrypted PEM private key`,
    );
  }
}

/** Our key and its certificate; throws SamlConfigError for one that cannot be read or a pair that does not match. */
export function loadSpKeyPair(privateKeySetting: string, certificateSetting: string): SpKeyPair {
  const { text, source } = readSetting('sp_private_key', privateKeySetting);
  const key = parsePrivateKey(text, source);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new SamlConfigError(
      `logins.saml: option 'sp_private_key' ${source} holds a ${String(key.asymmetricKeyType)} key; SAML signing and encryption here need RSA`,
    );
  }
  const { pem, certificate } = onlyCertificate('sp_certificate', certificateSetting);
  if (!certificate.checkPrivateKey(key)) {
    throw new SamlConfigError(
      "logins.saml: options 'sp_private_key' and 'sp_certificate' do not belong together: the certificate is for another key",
    );
  }
  return { privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(), certificate: pem };
}
