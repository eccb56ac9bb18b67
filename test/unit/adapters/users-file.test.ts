import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsersFile } from '../../../adapters/users-file/users-file.js';
import { formatProblem } from '../../../config/yaml-loader.js';
import { TEST_HASH } from '../../helpers/gateway.js';

function usersFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'stepgate-users-')), 'users.yaml');
  writeFileSync(path, text);
  return path;
}

describe('users.yaml usernames (one person, one identity)', () => {
  it('refuses two entries that differ only in letter case, naming both and where', async () => {
    const path = usersFile(
      `alice:\n  password_hash: '${TEST_HASH}'\nMZhang:\n  password_hash: '${TEST_HASH}'\n` +
        `mzhang:\n  password_hash: '${TEST_HASH}'\n`,
    );
    const result = await UsersFile.load(path);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map(formatProblem);
    expect(problems).toEqual([
      `${path}:6:3: mzhang: is the same user as 'MZhang': usernames are compared ignoring letter case`,
    ]);
  });

  it('finds a user however the name is typed, under one canonical spelling', async () => {
    const path = usersFile(`MZhang:\n  password_hash: '${TEST_HASH}'\n`);
    const result = await UsersFile.load(path);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    for (const typed of ['mzhang', 'MZHANG', 'MZhang']) {
      expect((await result.value.find(typed))?.username).toBe('mzhang');
    }
  });
});
