/**
 * The policy in force: compiled from policy_file (or the built-in default), reloaded when the
 * file changes or on SIGHUP. A new file with errors is refused, its problems logged, and the
 * last good policy stays in force.
 */
import { realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
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
  private readonly watchers = new Map<string, FSWatcher>();
  private pending: NodeJS.Timeout | undefined;
  /** Where the path led and what was there when last loaded; a change of either means reload. */
  private seen = '';

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

  /**
   * Reloads when the file's content may have changed. Editors save by replace-and-rename, and a
   * Kubernetes ConfigMap swaps a `..data` symlink beside the file, so the folder is watched (a
   * file watcher goes deaf after a rename) and so is the folder of the file the path resolves to;
   * every event there re-reads where the path leads now and reloads once, shortly after, when
   * that changed.
   */
  watch(): void {
    if (this.path === undefined || this.watchers.size > 0) return;
    this.seen = fileIdentity(this.path);
    this.watchFolder(dirname(this.path));
    this.watchTarget();
  }

  private watchFolder(folder: string): void {
    if (this.watchers.has(folder)) return;
    try {
      const watcher = watch(folder, () => this.changed());
      watcher.on('error', (error) => {
        this.logger.warn('policy watch stopped', { folder, error: error.message });
        this.watchers.delete(folder);
      });
      this.watchers.set(folder, watcher);
    } catch (error) {
      this.logger.warn('policy folder cannot be watched; SIGHUP still reloads', {
        folder,
        error: (error as Error).message,
      });
    }
  }

  /** The folder of the resolved file: a symlink chain may lead out of the path's own folder. */
  private watchTarget(): void {
    if (this.path === undefined) return;
    const target = resolvedFolder(this.path);
    for (const [folder, watcher] of this.watchers) {
      if (folder !== dirname(this.path) && folder !== target) {
        watcher.close();
        this.watchers.delete(folder);
      }
    }
    if (target !== undefined) this.watchFolder(target);
  }

  private changed(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      if (this.path === undefined) return;
      const now = fileIdentity(this.path);
      if (now === this.seen) return;
      this.seen = now;
      this.watchTarget();
      void this.reload();
    }, 200);
  }

  close(): void {
    clearTimeout(this.pending);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}

/** The real file behind the path and its inode, size and modification time; '' when unreadable. */
function fileIdentity(path: string): string {
  try {
    const real = realpathSync(path);
    const stat = statSync(real);
    return `${real}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '';
  }
}

function resolvedFolder(path: string): string | undefined {
  try {
    return dirname(realpathSync(path));
  } catch {
    return undefined;
  }
}
