/**
 * The policy in force: compiled from policy_file (or the built-in default), reloaded when the
 * file changes or on SIGHUP. A new file with errors is refused, its problems logged, and the
 * last good policy stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatProblems, loadYamlFile, type LoadResult } from '../config/yaml-loader.js';
import { compilePolicy, type CompiledPolicy } from '../policies/compile.js';
import { defaultPolicy } from '../policies/default.js';
import { policySchema } from '../policies/schema.js';
import type { PolicySource } from '../gateway/context.js';
import type { Logger } from '../gateway/ports.js';

export async function loadPolicy(path: string | undefined): Promise<LoadResult<CompiledPolicy>> {
  if (path === undefined) return { ok: true, value: compilePolicy(defaultPolicy()) };
  const result = await loadYamlFile(path, policySchema);
  return result.ok ? { ok: true, value: compilePolicy(result.value) } : result;
}

export class PolicyFile implements PolicySource {
  private watcher: FSWatcher | undefined;
  private pending: NodeJS.Timeout | undefined;

  private constructor(
    private readonly path: string | undefined,
    private policy: CompiledPolicy,
    private readonly logger: Logger,
  ) {}

  static async open(path: string | undefined, logger: Logger): Promise<LoadResult<PolicyFile>> {
    const result = await loadPolicy(path);
    return result.ok ? { ok: true, value: new PolicyFile(path, result.value, logger) } : result;
  }

  current(): CompiledPolicy {
    return this.policy;
  }

  async reload(): Promise<boolean> {
    const result = await loadPolicy(this.path);
    if (!result.ok) {
      this.logger.error('policy reload refused; the last good policy stays in force', {
        file: this.path,
        problems: formatProblems(result.problems).split('\n'),
      });
      return false;
    }
    this.policy = result.value;
    this.logger.info('policy reloaded', { file: this.path ?? '(built-in default)' });
    return true;
  }

  /** Editors save by replace-and-rename, so several events arrive at once: reload once, shortly after. */
  watch(): void {
    if (this.path === undefined || this.watcher) return;
    const name = basename(this.path);
    // The folder is watched, not the file: a file replaced by rename would leave a file watcher deaf.
    this.watcher = watch(dirname(this.path), (_event, changed) => {
      if (changed !== name) return;
      clearTimeout(this.pending);
      this.pending = setTimeout(() => void this.reload(), 200);
    });
    this.watcher.on('error', (error) => this.logger.warn('policy watch stopped', { error: error.message }));
  }

  close(): void {
    clearTimeout(this.pending);
    this.watcher?.close();
  }
}
