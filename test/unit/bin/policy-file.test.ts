import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PolicyFile } from '../../../bin/policy-file.js';
import type { Logger } from '../../../gateway/ports.js';
import type { SignInContext } from '../../../policies/types.js';

const CONTEXT: SignInContext = {
  entryPoint: 'standard',
  login: 'direct',
  userType: 'standard',
  profile: 'Standard User',
  permissionSets: [],
  groups: [],
  sourceIp: '198.51.100.1',
};

const policyWith = (then: string) => `version: 1\nrules:\n  - { name: only rule, then: ${then} }\n`;

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
  return { logger, lines };
}

async function open(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-policy-'));
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  const { logger, lines } = recordingLogger();
  const result = await PolicyFile.open(path, logger);
  if (!result.ok) throw new Error('the first policy should load');
  return { file: result.value, path, dir, lines };
}

describe('policy file reloading', () => {
  it('applies a valid new file on reload (SIGHUP)', async () => {
    const { file, path } = await open(policyWith('confirm'));
    expect(file.current().evaluate(CONTEXT).action).toBe('confirm');
    writeFileSync(path, policyWith('skip'));
    expect(await file.reload()).toBe(true);
    expect(file.current().evaluate(CONTEXT).action).toBe('skip');
  });

  it('refuses an invalid new file, logs its problems with their lines, and keeps the last good policy', async () => {
    const { file, path, lines } = await open(policyWith('confirm'));
    writeFileSync(path, policyWith('perhaps'));
    expect(await file.reload()).toBe(false);
    expect(file.current().evaluate(CONTEXT).action).toBe('confirm');
    const refusal = lines.find((l) => l.level === 'error');
    expect(refusal?.message).toMatch(/last good policy stays in force/);
    expect(JSON.stringify(refusal?.fields)).toMatch(new RegExp(`policy.yaml:3:.*rules\\[0\\]\\.then`));
  });

  it('reloads by itself when an editor replaces the file', async () => {
    const { file, path, dir } = await open(policyWith('confirm'));
    file.watch();
    try {
      // Editors write a new file and rename it over the old one.
      const temp = join(dir, 'policy.yaml.tmp');
      writeFileSync(temp, policyWith('deny'));
      renameSync(temp, path);
      await vi.waitFor(() => expect(file.current().evaluate(CONTEXT).action).toBe('deny'), { timeout: 5000 });
    } finally {
      file.close();
    }
  });

  it('reloads by itself when a Kubernetes ConfigMap swaps the ..data symlink', async () => {
    // The layout the kubelet writes: policy.yaml -> ..data/policy.yaml, ..data -> ..<timestamp>/,
    // and an update renames a new ..data link over the old one; policy.yaml itself never changes.
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-configmap-'));
    const version = (name: string, text: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'policy.yaml'), text);
    };
    version('..2026_12_07_01', policyWith('confirm'));
    symlinkSync('..2026_12_07_01', join(dir, '..data'));
    symlinkSync('..data/policy.yaml', join(dir, 'policy.yaml'));
    const { logger } = recordingLogger();
    const result = await PolicyFile.open(join(dir, 'policy.yaml'), logger);
    if (!result.ok) throw new Error('the first policy should load');
    const file = result.value;
    file.watch();
    try {
      for (const [name, then] of [
        ['..2026_12_07_02', 'deny'],
        ['..2026_12_07_03', 'skip'],
      ] as const) {
        version(name, policyWith(then));
        symlinkSync(name, join(dir, '..data_tmp'));
        renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
        rmSync(join(dir, name === '..2026_12_07_02' ? '..2026_12_07_01' : '..2026_12_07_02'), {
          recursive: true,
        });
        await vi.waitFor(() => expect(file.current().evaluate(CONTEXT).action).toBe(then), { timeout: 5000 });
      }
    } finally {
      file.close();
    }
  });

  it('reloads when the file a symlink points to elsewhere is edited in place', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'stepgate-policy-target-'));
    const target = join(elsewhere, 'policy.yaml');
    writeFileSync(target, policyWith('confirm'));
    const dir = mkdtempSync(join(tmpdir(), 'stepgate-policy-link-'));
    symlinkSync(target, join(dir, 'policy.yaml'));
    const result = await PolicyFile.open(join(dir, 'policy.yaml'), recordingLogger().logger);
    if (!result.ok) throw new Error('the first policy should load');
    const file = result.value;
    file.watch();
    try {
      writeFileSync(target, policyWith('deny'));
      await vi.waitFor(() => expect(file.current().evaluate(CONTEXT).action).toBe('deny'), { timeout: 5000 });
    } finally {
      file.close();
    }
  });

  it('uses the built-in default policy when no file is configured', async () => {
    const result = await PolicyFile.open(undefined, recordingLogger().logger);
    expect(result.ok && result.value.current().evaluate({ ...CONTEXT, login: 'saml' })).toEqual({
      action: 'skip',
      rule: 'SAML federation',
    });
  });
});
