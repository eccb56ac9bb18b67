/**
 * The Dockerfile, read as Docker reads it (no image is built here: there is no registry to pull
 * from). Its base images are pinned by digest, its HEALTHCHECK takes the port and base path from
 * the mounted config, and the image it runs carries no accounts: not the demo's users, whose
 * password the README publishes, nor the demo config that names them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const DOCKERFILE = instructions(readFileSync('Dockerfile', 'utf8'));

/** `${NAME}` replaced by the default of the ARG before the first FROM. */
function resolveArgs(text: string): string {
  const defaults = new Map<string, string>();
  for (const { keyword, args } of DOCKERFILE) {
    if (keyword === 'FROM') break;
    const [name, value] = args.split('=', 2);
    if (keyword === 'ARG' && name && value !== undefined) defaults.set(name, value);
  }
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string, bare: string) => defaults.get(braced ?? bare) ?? '',
  );
}

/** The instructions of the last stage: what the image that runs is made of. */
function finalStage(): Instruction[] {
  const start = DOCKERFILE.map((instruction) => instruction.keyword).lastIndexOf('FROM');
  return DOCKERFILE.slice(start);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

describe('the Dockerfile', () => {
  it('pins every base image by its digest', () => {
    const froms = DOCKERFILE.filter((instruction) => instruction.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages = new Set(froms.map(({ args }) => /\bAS\s+(\S+)/i.exec(args)?.[1]).filter(Boolean));
    for (const { args } of froms) {
      const image = resolveArgs(args.replace(/^--platform=\S+\s+/, '').split(/\s+/)[0] ?? '');
      if (stages.has(image)) continue;
      expect(image).toMatch(/^[\w./:-]+@sha256:[0-9a-f]{64}$/);
    }
    // A `# syntax=` line would name a frontend image too, and it could not be pinned the same way.
    expect(readFileSync('Dockerfile', 'utf8')).not.toMatch(/^#\s*syntax=/m);
  });

  it('checks health with `stepgate healthcheck`, which reads the port and base path from the config', () => {
    const healthchecks = DOCKERFILE.filter((instruction) => instruction.keyword === 'HEALTHCHECK');
    expect(healthchecks).toHaveLength(1);
    const command = healthchecks[0]?.args ?? '';
    expect(command).toMatch(/CMD \["node", "dist\/bin\/stepgate\.js", "healthcheck"\]$/);
    expect(command.slice(command.indexOf('CMD'))).not.toMatch(/\d{2,5}|_stepgate|healthz/);
  });

  it('leaves the demo users and the demo config out of the image that runs', () => {
    const copied = finalStage()
      .filter(({ keyword }) => keyword === 'COPY' || keyword === 'ADD')
      .flatMap(({ args }) =>
        args
          .split(/\s+/)
          .filter((word) => !word.startsWith('--'))
          .slice(0, -1),
      );
    expect(copied.length).toBeGreaterThan(0);
    for (const demoFile of ['/app/config/users.demo.yaml', '/app/config/stepgate.demo.yaml']) {
      for (const source of copied) {
        // A source without a wildcard or an extension is a directory, copied with all it holds.
        const directory = !/[*?]/.test(source) && !/\.\w+$/.test(source);
        const copies = directory
          ? demoFile.startsWith(`${source.replace(/\/$/, '')}/`)
          : globToRegExp(source).test(demoFile);
        expect(copies, `${source} copies ${demoFile}`).toBe(false);
      }
    }
  });
});
