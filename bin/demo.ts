/**
 * `stepgate demo` (`npm start`): the gateway beside the demo application.
 *
 * Without --config it writes var/demo/stepgate.yaml from config/stepgate.demo.yaml and runs on
 * that, with a session secret made once and kept in var/demo/session-secret. The README's
 * commands name that file (`export STEPGATE_CONFIG=var/demo/stepgate.yaml`), so `stepgate check`
 * and `stepgate admin …` reach the demo's own store and outbox, and a temporary code issued from
 * the shell is hashed with the running demo's key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Config } from '../config/schema.js';
import type { Logger } from '../gateway/ports.js';
import { StartupError } from './compose.js';
import { demoUpstream } from './demo-upstream.js';
import { serve } from './serve.js';

export const DEMO_TEMPLATE = 'config/stepgate.demo.yaml';
export const DEMO_CONFIG = 'var/demo/stepgate.yaml';
const DEMO_SECRET = 'var/demo/session-secret';

const HEADER = [
  ' Written by `npm start` (stepgate demo) from config/stepgate.demo.yaml at every start: edit',
  ' that file, not this one. The session secret, made once, is kept in var/demo/session-secret;',
  ' STEPGATE_SESSION_SECRET, when set, is used instead.',
  ' The commands in the README use this file: export STEPGATE_CONFIG=var/demo/stepgate.yaml',
].join('\n');

/** The demo's session secret: made on the first start, the same at every later one. */
async function demoSecret(): Promise<string> {
  try {
    const kept = (await readFile(DEMO_SECRET, 'utf8')).trim();
    if (kept.length >= 32) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(DEMO_SECRET, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Writes var/demo/stepgate.yaml from the template; returns its path. */
export async function writeDemoConfig(): Promise<string> {
  let template: string;
  try {
    template = await readFile(DEMO_TEMPLATE, 'utf8');
  } catch {
    throw new StartupError(
      `demo: cannot read ${DEMO_TEMPLATE}; run it from the repository's directory, or give --config`,
    );
  }
  await mkdir(dirname(DEMO_CONFIG), { recursive: true, mode: 0o700 });
  // The editor's schema comment points beside the template; the written file is two levels down.
  const doc = parseDocument(template.replace('$schema=./', '$schema=../../config/'));
  doc.setIn(['session', 'secret'], `\${STEPGATE_SESSION_SECRET:-${await demoSecret()}}`);
  doc.commentBefore = HEADER;
  await writeFile(DEMO_CONFIG, String(doc), { mode: 0o600 });
  return DEMO_CONFIG;
}

/**
 * The demo application listens where the config's upstream.url says, then the gateway; the
 * banner names the address the config serves, where codes go and, for the written config, the
 * file the commands take.
 */
export async function demo(config: Config, configPath: string, logger: Logger): Promise<void> {
  const target = new URL(config.upstream.url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const upstream: Server = demoUpstream({ basePath: config.server.base_path });
  await new Promise<void>((resolve, reject) => {
    upstream.once('error', (error) =>
      reject(new StartupError(`demo upstream cannot listen on ${target.host}: ${error.message}`)),
    );
    upstream.listen(port, host, resolve);
  });
  try {
    await serve(config, logger);
  } catch (error) {
    upstream.close();
    throw error;
  }
  process.stderr.write(
    `\nstepgate demo: open ${config.server.public_url.replace(/\/$/, '')}/ and sign in as "demo" with password "demo-password".\n` +
      `Codes and notices are written to ${config.notifications.outbox_path}.\n` +
      (configPath === DEMO_CONFIG
        ? `Commands: export STEPGATE_CONFIG=${DEMO_CONFIG}, then npx stepgate check, npx stepgate admin --help.\n`
        : '') +
      '\n',
  );
}
