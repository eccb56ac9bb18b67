/**
 * `stepgate check`: validates stepgate.yaml, then the policy and users files it names, and prints
 * every problem at once with file, line and key path.
 */
import { loadConfig } from '../config/load.js';
import { formatProblems, type ConfigProblem } from '../config/yaml-loader.js';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { loadPolicy } from './policy-file.js';

export async function checkCommand(configPath: string): Promise<number> {
  const problems: ConfigProblem[] = [];
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) problems.push(...loaded.problems);
  else {
    const policy = await loadPolicy(loaded.value.policy_file);
    if (!policy.ok) problems.push(...policy.problems);
    const usersPath = loaded.value.logins.direct?.users_file;
    if (usersPath !== undefined) {
      const users = await UsersFile.load(usersPath);
      if (!users.ok) problems.push(...users.problems);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`${formatProblems(problems)}\n`);
    process.stderr.write(`stepgate: ${problems.length} problem${problems.length === 1 ? '' : 's'} found\n`);
    return 1;
  }
  process.stdout.write(`${configPath}: configuration is valid\n`);
  return 0;
}
