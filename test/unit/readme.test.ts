/**
 * The README as a new user reads it: it starts with the two commands (run the gateway on its
 * embedded defaults; run the tests), and the packages it says the tests need are the ones CI
 * installs (.ci/run), so following it on a fresh Debian machine is enough.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const README = readFileSync('README.md', 'utf8');

/** The words after `apt-get install` in the README's "What the tests need" block, options aside. */
function readmePackages(): string[] {
  const section = README.slice(README.indexOf('## What the tests need'));
  const install = /apt-get install((?:[^\n\\]|\\\n)*)/.exec(section)?.[1] ?? '';
  return install
    .replace(/\\\n/g, ' ')
    .split(/\s+/)
    .filter((word) => word !== '' && !word.startsWith('-'));
}

/** The Debian packages .ci/run installs when their binaries are missing. */
function ciPackages(): string[] {
  const run = readFileSync('.ci/run', 'utf8');
  const needed = [...run.matchAll(/^\s*\[[^\]]+\]=([\w.+-]+)/gm)].map((match) => match[1] ?? '');
  const extra = [...run.matchAll(/missing\+=\(([\w.+-]+)\)/g)].map((match) => match[1] ?? '');
  return [...needed, ...extra];
}

describe('the README', () => {
  it('starts with the command that runs the gateway on its defaults and the one that runs the tests', () => {
    const first = /^# stepgate\n\n```sh\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
    const commands = first
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter((line) => line !== '');
    expect(commands).toEqual(['npm ci && npm start', 'npm test']);
  });

  it('names every package the tests need, as CI installs them', () => {
    const ci = ciPackages();
    expect(ci).toEqual(expect.arrayContaining(['chromium', 'slapd', 'postgresql', 'maven']));
    expect(readmePackages().sort()).toEqual([...new Set(ci)].sort());
  });
});
