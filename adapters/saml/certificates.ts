/**
 * The IdP signing certificates from `logins.saml.idp_cert`: each entry is inline PEM or the path of
 * a PEM file, read once at start-up. A list is for rollover: a signature by any of them is accepted.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A `logins.saml` setting that cannot work; the message names the key and the bad value. */
export class SamlConfigError extends Error {
  override readonly name = 'SamlConfigError';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(text: string): string[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map((match) => match[0]);
}

function readCertificateFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SamlConfigError(
      `logins.saml: option 'idp_cert' names the file '${path}', which cannot be read (${reason})`,
    );
  }
}

function checkCertificate(pem: string, source: string): string {
  try {
    new X509Certificate(pem);
  } catch {
    throw new SamlConfigError(
      `logins.saml: option 'idp_cert' ${source} holds a certificate that cannot be parsed`,
    );
  }
  return pem;
}

/** One PEM certificate per trusted key; throws SamlConfigError naming the file or entry at fault. */
export function loadIdpCertificates(setting: string | string[]): string[] {
  const entries = Array.isArray(setting) ? setting : [setting];
  return entries.flatMap((entry, index) => {
    const inline = entry.includes('-----BEGIN');
    const source = inline ? `entry ${index + 1} (inline PEM)` : `file '${entry}'`;
    const text = inline ? entry : readCertificateFile(entry);
    const found = certificatesIn(text);
    if (found.length === 0) {
      throw new SamlConfigError(`logins.saml: option 'idp_cert' ${source} holds no PEM certificate`);
    }
    return found.map((pem) => checkCertificate(pem, source));
  });
}
