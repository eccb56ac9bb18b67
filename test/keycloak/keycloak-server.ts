/**
 * A real Keycloak for the end-to-end test: the server distribution of the version keycloak/pom.xml
 * builds against (unpacked by `mvn -B -f keycloak/pom.xml verify -Pkeycloak-dist` into
 * keycloak/target/keycloak-dist/), with the provider JAR in providers/, started in dev mode on a
 * free loopback port with an in-memory database and the test's realms imported at start. Nothing
 * here downloads anything; what is missing is named, and the test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/processes.js';

const MODULE = fileURLToPath(new URL('../../keycloak/', import.meta.url));
const BUILD_COMMAND = 'mvn -B -f keycloak/pom.xml verify -Pkeycloak-dist';
/** Only the end of Keycloak's log goes into a failure message; the whole of it is in LOG_FILE. */
const KEPT_OUTPUT = 40_000;
const LOG_FILE = join(MODULE, 'target', 'keycloak-e2e.log');
const JAR_NAME = 'stepgate-keycloak.jar';

const running = new Set<ChildProcess>();
// The backstop: a failed beforeAll or a torn-down worker leaves no Keycloak behind.
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export interface KeycloakServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface KeycloakBuild {
  version: string;
  /** The unpacked server (KEYCLOAK_HOME). */
  home: string;
  /** The provider JAR mvn built. */
  jar: string;
}

/** The pinned Keycloak version, the one property keycloak/pom.xml names it in. */
export function keycloakVersion(): string {
  const pom = readFileSync(join(MODULE, 'pom.xml'), 'utf8');
  const version = /<keycloak\.version>([^<]+)<\/keycloak\.version>/.exec(pom)?.[1];
  if (!version) throw new Error('keycloak/pom.xml names no <keycloak.version>');
  return version;
}

/** The server and the JAR the Maven build left in keycloak/target/, or an error saying how to make them. */
export function locateBuild(): KeycloakBuild {
  const version = keycloakVersion();
  const target = join(MODULE, 'target');
  const home = join(target, 'keycloak-dist', `keycloak-${version}`);
  if (!existsSync(join(home, 'bin', 'kc.sh'))) {
    throw new Error(
      `The Keycloak ${version} server is not unpacked at ${home}. Run \`${BUILD_COMMAND}\` ` +
        '(npm run test:keycloak does): it fetches org.keycloak:keycloak-quarkus-dist from Maven Central into ~/.m2.',
    );
  }
  const jars = existsSync(target)
    ? readdirSync(target).filter((f) => /^stepgate-keycloak-.+\.jar$/.test(f))
    : [];
  if (jars.length !== 1) {
    throw new Error(
      `Expected one stepgate-keycloak-*.jar in ${target}, found ${jars.length}. Run \`${BUILD_COMMAND}\`.`,
    );
  }
  return { version, home, jar: join(target, jars[0] ?? '') };
}

interface StartOptions {
  build: KeycloakBuild;
  /** The port, chosen by the caller: the realms name Keycloak's own URL. */
  port: number;
  /** Realm files for data/import, by file name. */
  realms: Record<string, string>;
  /** Secrets for the file vault, by file name (`<realm>_<key>`). */
  vault: Record<string, string>;
  /** The URL that answers 200 once the realms are imported and Keycloak serves requests. */
  readyPath: string;
  readyTimeoutMs: number;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // kc.sh and the JVM it started
  } catch {
    // already gone
  }
}

/** Polls `url` until it answers 200; throws when `gone()` names why the server stopped, or at the deadline. */
async function ready(url: string, timeoutMs: number, gone: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = gone();
    if (why !== undefined) throw new Error(`${why} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** A loopback port for Keycloak, chosen before its realms are written. */
export const keycloakPort = freePort;

/**
 * The JAR goes into providers/ only when it changed: Keycloak rebuilds its server (Quarkus
 * augmentation, the longest part of a start) whenever a provider file is new.
 */
function installJar(build: KeycloakBuild): void {
  const providers = join(build.home, 'providers');
  const installed = join(providers, JAR_NAME);
  const jar = readFileSync(build.jar);
  if (existsSync(installed) && readFileSync(installed).equals(jar)) return;
  for (const other of readdirSync(providers).filter((f) => f.endsWith('.jar')))
    rmSync(join(providers, other));
  copyFileSync(build.jar, installed);
}

export async function startKeycloak(options: StartOptions): Promise<KeycloakServer> {
  const { build, port } = options;
  const data = join(build.home, 'data');
  // A run starts from nothing: no database (dev-mem), no realms but ours, our JAR alone.
  rmSync(data, { recursive: true, force: true });
  mkdirSync(join(data, 'import'), { recursive: true });
  mkdirSync(join(data, 'vault'), { recursive: true });
  for (const [name, text] of Object.entries(options.realms)) writeFileSync(join(data, 'import', name), text);
  for (const [name, secret] of Object.entries(options.vault)) {
    writeFileSync(join(data, 'vault', name), secret, { mode: 0o600 });
  }
  installJar(build);

  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    join(build.home, 'bin', 'kc.sh'),
    [
      'start-dev',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      '--db=dev-mem',
      '--cache=local',
      '--import-realm',
      '--vault=file',
      `--vault-dir=${join(data, 'vault')}`,
    ],
    { cwd: build.home, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
  );
  running.add(child);
  let output = '';
  const log = createWriteStream(LOG_FILE);
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      log.end();
      resolve();
    }),
  );

  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 20_000).unref());
    if ((await Promise.race([exited, late])) === 'late') {
      killGroup(child, 'SIGKILL');
      await exited;
    }
    running.delete(child);
  };

  try {
    await ready(`${url}${options.readyPath}`, options.readyTimeoutMs, () => {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) {
        return spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
      }
      return undefined;
    });
  } catch (error) {
    await stop();
    throw new Error(
      `Keycloak ${build.version} on port ${port} ${(error as Error).message} (log: ${LOG_FILE}):\n${output}`,
    );
  }
  return { url, output: () => output, stop };
}
