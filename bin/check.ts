/**
 * `stepgate check`: validates stepgate.yaml, then the policy and users files it names, and prints
 * every problem at once with file, line and key path. Warnings (a valid setting that is probably
 * a mistake) are printed too but do not fail the check.
 */
import { loadConfig } from '../config/load.js';
import { formatProblems, type ConfigProblem } from '../config/yaml-loader.js';
import { UsersFile } from '../adapters/users-file/users-file.js';
import { policyWarningsOf } from './check-policy.js';
import { loadPolicy } from './policy-file.js';

export async function checkCommand(configPath: string): Promise<number> {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) problems.push(...loaded.problems);
  else {
    const policy = await loadPolicy(loaded.value.policy_file);
    if (!policy.ok) problems.push(...policy.problems);
    else warnings.push(...(await policyWarningsOf(loaded.value.policy_file, policy.value.document)));
    const usersPath = loaded.value.logins.direct?.users_file;
    if (usersPath !== undefined) {
      const users = await UsersFile.load(usersPath);
      if (!users.ok) problems.push(...users.problems);
    }
  }
  if (warnings.length > 0) process.stderr.write(`${formatProblems(warnings)}\n`);
  if (problems.length > 0) {
    process.stderr.write(`${formatProblems(problems)}\n`);
    process.stderr.write(`stepgate: ${plural(problems.length, 'problem')} found\n`);
    return 1;
  }
  const noted = warnings.length === 0 ? '' : ` (${plural(warnings.length, 'warning')})`;
  process.stdout.write(`${configPath}: configuration is valid${noted}\n`);
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
