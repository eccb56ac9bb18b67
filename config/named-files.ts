/**
 * The files stepgate.yaml names for stepgate to read, checked for existence by `stepgate check`,
 * `serve` and the admin commands. A missing one is reported at the key that names it (file, line
 * and key path), and also when other keys have problems of their own, so one run shows them all.
 *
 * Files stepgate writes (store.path, notifications.outbox_path) are not here: they are created.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

interface NamedFile {
  path: readonly string[];
  /** The key may hold inline PEM instead of a path (and, for idp_cert, a list of either). */
  pem?: boolean;
}

/** Every key of stepgate.yaml whose value is a file stepgate reads. */
export const NAMED_FILES: readonly NamedFile[] = [
  { path: ['policy_file'] },
  { path: ['logins', 'direct', 'users_file'] },
  { path: ['logins', 'delegated', 'ldap', 'tls', 'ca_file'] },
  { path: ['logins', 'saml', 'idp_cert'], pem: true },
  { path: ['logins', 'saml', 'sp_private_key'], pem: true },
  { path: ['logins', 'saml', 'sp_certificate'], pem: true },
  { path: ['session', 'redis', 'tls', 'ca_file'] },
  { path: ['session', 'redis', 'tls', 'cert_file'] },
  { path: ['session', 'redis', 'tls', 'key_file'] },
  { path: ['branding', 'logo_file'] },
  { path: ['notifications', 'geoip_database'] },
];

/** Keys that name files stepgate creates or appends to; listed so a test can tell every path key apart. */
export const WRITTEN_FILES: readonly (readonly string[])[] = [
  ['store', 'path'],
  ['notifications', 'outbox_path'],
];

export interface NamedFileProblem {
  path: PropertyKey[];
  message: string;
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Why `file` cannot be read, or undefined when it can. */
function unreadable(file: string): string | undefined {
  const where = isAbsolute(file) ? '' : ` (relative paths are read from ${process.cwd()})`;
  try {
    if (statSync(file).isDirectory()) return `'${file}' is a directory, not a file`;
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `file '${file}' not found${where}`;
    if (code === 'EACCES' || code === 'EPERM') return `file '${file}' cannot be read: permission denied`;
    return `file '${file}' cannot be read: ${(error as Error).message}`;
  }
}

/**
 * The named files that cannot be read, each at its key path. `data` is the config as parsed and
 * interpolated, before (and whatever the result of) schema validation: values of the wrong type
 * are the schema's to report and are skipped here.
 */
export function namedFileProblems(data: unknown): NamedFileProblem[] {
  const problems: NamedFileProblem[] = [];
  for (const named of NAMED_FILES) {
    const value = valueAt(data, named.path);
    const entries: [PropertyKey[], unknown][] =
      named.pem && Array.isArray(value)
        ? value.map((item, index) => [[...named.path, index], item])
        : [[[...named.path], value]];
    for (const [path, entry] of entries) {
      if (typeof entry !== 'string' || entry === '') continue;
      if (named.pem && entry.includes('-----BEGIN')) continue;
      const message = unreadable(entry);
      if (message !== undefined) problems.push({ path, message });
    }
  }
  return problems;
}
