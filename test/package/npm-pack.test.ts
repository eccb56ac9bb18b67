/**
 * The package as an application receives it: `npm pack`, then a fresh project in a temporary
 * directory installs the tarball with `npm install <tarball>` and runs a script that imports
 * 'stepgate' and 'stepgate/testing' and signs in, and tsc types a file against the package's own
 * declarations. dist/ is what test/global-setup.ts compiled. The install comes from npm's cache;
 * better-sqlite3's native add-on is copied from this repository's build rather than compiled again.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/package-consumer/', import.meta.url));

async function versionOf(dir: string, name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
  return manifest.version as string;
}

let project: string;
let packed: { filename: string; files: { path: string }[] };

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'stepgate-consumer-'));
  // prepack would compile again; global-setup already did.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], {
    cwd: ROOT,
  });
  const [first] = JSON.parse(stdout) as (typeof packed)[];
  if (!first) throw new Error(`npm pack printed no tarball: ${stdout}`);
  packed = first;
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  await copyFile(join(FIXTURE, 'consumer.mjs'), join(project, 'consumer.mjs'));
  await copyFile(join(FIXTURE, 'types.ts'), join(project, 'types.ts'));
  const supertest = await versionOf(ROOT, 'supertest');
  await run(
    'npm',
    [
      ...['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'],
      `./${packed.filename}`,
      `supertest@${supertest}`,
    ],
    { cwd: project },
  );
  // The add-on is built for this Node by this repository's install; the same version works here.
  const sqlite = await versionOf(project, 'better-sqlite3');
  expect(sqlite, 'better-sqlite3 in the tarball project and in this repository').toBe(
    await versionOf(ROOT, 'better-sqlite3'),
  );
  const release = join(project, 'node_modules/better-sqlite3/build/Release');
  await mkdir(release, { recursive: true });
  await copyFile(
    join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    join(release, 'better_sqlite3.node'),
  );
}, 240_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('npm pack and npm install <tarball>', () => {
  it('ships the compiled library, its declarations and the CLI, and none of the tests', () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lib/testing/index.js',
        'dist/lib/testing/index.d.ts',
        'dist/bin/stepgate.js',
        'config/stepgate.schema.json',
      ]),
    );
    expect(
      files.filter(
        (path) => /^(test|examples|bench)\//.test(path) || (path.endsWith('.ts') && !path.endsWith('.d.ts')),
      ),
    ).toEqual([]);
  });

  it("signs in from a fresh project through 'stepgate' and 'stepgate/testing'", async () => {
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(seen.before).toBe(401);
    expect(seen.result).toEqual({ redirect: '/', stages: ['login', 'confirm'], confirmedWith: 'email' });
    expect(seen.page).toBe('hello alice');
    expect(seen.configError).toBe(
      "config: upstream.url: must be an http:// or https:// URL but it is 'nope'\nconfig: session: is required",
    );
    // samlify is an optional peer dependency: without it, the identity provider says what to install.
    expect(seen.samlError).toContain("needs the package 'samlify'");
  });

  it('types a TypeScript file against the declarations the package ships', async () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    // skipLibCheck as most projects set it: Ports names express-session's Store, whose types are
    // a devDependency of stepgate (docs/testing.md).
    const options = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck'];
    const compiled = await run(
      process.execPath,
      [tsc, '--noEmit', '--target', 'es2022', ...options, 'types.ts'],
      {
        cwd: project,
      },
    ).catch((error: { stdout: string }) => error);
    expect(compiled.stdout).toBe('');
  });

  it('keeps the command: the installed stepgate binary prints its usage', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/stepgate'), ['--help'], { cwd: project });
    expect(stdout).toContain('usage: stepgate <command>');
  });
});
