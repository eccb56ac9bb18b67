/**
 * `stepgate demo` (`npm start`): the gateway beside the demo application.
 *
 * Without --config it writes var/demo/stepgate.yaml from config/stepgate.demo.yaml and runs on
 * that, with a session secret made once and kept in var/demo/session-secret, and a history key
 * (STEPGATE_HISTORY_KEY, unless set) made once and kept in var/demo/history-key. The README's
 * commands name both files (`export STEPGATE_CONFIG=var/demo/stepgate.yaml`,
 * `export STEPGATE_HISTORY_KEY=$(cat var/demo/history-key)`), so `stepgate check` and
 * `stepgate admin …` reach the demo's own store and outbox, a temporary code issued from the shell
 * is hashed with the running demo's key, and the history they write is one chain with the demo's.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Config } from '../config/schema.js';
import type { Logger } from '../gateway/ports.js';
import { StartupError } from './compose.js';
import { HISTORY_KEY_VARIABLE } from './history-key.js';
import { demoUpstream } from './demo-upstream.js';
import { serve } from './serve.js';

export const DEMO_TEMPLATE = 'config/stepgate.demo.yaml';
export const DEMO_CONFIG = 'var/demo/stepgate.yaml';
const DEMO_SECRET = 'var/demo/session-secret';
export const DEMO_HISTORY_KEY = 'var/demo/history-key';

const HEADER = [
  ' Written by `npm start` (stepgate demo) from config/stepgate.demo.yaml at every start: edit',
  ' that file, not this one. The session secret, made once, is kept in var/demo/session-secret;',
  ' STEPGATE_SESSION_SECRET, when set, is used instead. The history key, made once, is kept in',
  ' var/demo/history-key and given to the demo as STEPGATE_HISTORY_KEY, unless that is set.',
  ' The commands in the README use this file: export STEPGATE_CONFIG=var/demo/stepgate.yaml',
].join('\n');

/** A secret of the demo's kept in `file`: made on the first start, the same at every later one. */
async function keptSecret(file: string, encoding: 'base64url' | 'base64'): Promise<string> {
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length >= 32) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString(encoding);
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Writes var/demo/stepgate.yaml from the template and gives the demo its history key; returns its path. */
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
  doc.setIn(
    ['session', 'secret'],
    `\${STEPGATE_SESSION_SECRET:-${await keptSecret(DEMO_SECRET, 'base64url')}}`,
  );
  doc.commentBefore = HEADER;
  await writeFile(DEMO_CONFIG, String(doc), { mode: 0o600 });
  // The history key is read from the environment only (docs/history.md), not from the config.
  process.env[HISTORY_KEY_VARIABLE] ||= await keptSecret(DEMO_HISTORY_KEY, 'base64');
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
        ? `Commands: export STEPGATE_CONFIG=${DEMO_CONFIG} STEPGATE_HISTORY_KEY=$(cat ${DEMO_HISTORY_KEY}), ` +
          'then npx stepgate check, npx stepgate admin --help.\n'
        : '') +
      '\n',
  );
}
