/**
 * Certificates made by the test that needs them, with the openssl command: a certificate
 * authority, a server certificate it signs for 127.0.0.1 and localhost, and a second authority
 * that signed nothing (the wrong CA). Files in a temporary directory the caller removes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificates {
  /** PEM of the authority that signed the server certificate. */
  caFile: string;
  /** PEM of an authority that signed nothing here. */
  otherCaFile: string;
  certFile: string;
  keyFile: string;
  remove(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** A self-signed authority: `name`.key and `name`.pem in `dir`. */
async function authority(dir: string, name: string): Promise<string> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  await openssl(dir, [
    ...['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '2'],
    ...['-subj', `/CN=stepgate test ${name}`, '-out', `${name}.pem`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  return join(dir, `${name}.pem`);
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'stepgate-ca-'));
  const caFile = await authority(dir, 'ca');
  const otherCaFile = await authority(dir, 'other-ca');
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.ec.key']);
  // PKCS#8, which every TLS library reads (slapd here is built with GnuTLS).
  await openssl(dir, ['pkcs8', '-topk8', '-nocrypt', '-in', 'server.ec.key', '-out', 'server.key']);
  await openssl(dir, ['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr']);
  await writeFile(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  await openssl(dir, [
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server.pem'],
  ]);
  return {
    caFile,
    otherCaFile,
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
