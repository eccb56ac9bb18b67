/**
 * History retention (`store.history_retention`): entries older than the retention are deleted at
 * start and then every hour while stepgate serves. The timer never keeps the process alive. The
 * store deletes from the start of the hash chain only and records where it resumes (the anchor),
 * so `stepgate admin history verify` still passes afterwards (docs/history.md).
 */
import type { Logger } from '../ports.js';
import type { AdminService } from './service.js';

export const PRUNE_EVERY_MS = 3_600_000;

export interface HistoryRetention {
  /** The first pruning, started at once. */
  readonly started: Promise<void>;
  stop(): void;
}

export function keepHistory(options: {
  service: Pick<AdminService, 'pruneHistory'>;
  retentionMs: number;
  logger: Logger;
  everyMs?: number;
}): HistoryRetention {
  const { service, retentionMs, logger } = options;
  const prune = async () => {
    try {
      const pruned = await service.pruneHistory(retentionMs);
      if (pruned > 0) logger.info('history pruned', { entries: pruned, retention_ms: retentionMs });
    } catch (error) {
      // A store that cannot prune now may well answer in an hour; serving goes on meanwhile.
      logger.error('history pruning failed', { error: (error as Error).message });
    }
  };
  const timer = setInterval(() => void prune(), options.everyMs ?? PRUNE_EVERY_MS);
  timer.unref();
  return { started: prune(), stop: () => clearInterval(timer) };
}
