/**
 * GET /admin/history: the verification history for the help desk, filtered by user, method,
 * status and day (UTC), a page at a time. A filter that cannot be read is said so on the page,
 * with the form as it was typed, instead of being ignored.
 */
import type { Request, Response } from 'express';
import { HISTORY_STATUSES, searchHistory, type HistorySearch } from '../../admin/history-search.js';
import type { AdminService } from '../../admin/service.js';
import type { MethodRegistry } from '../../factors/index.js';
import { t } from '../../i18n/index.js';
import type { Ports, HistoryStatus } from '../../ports.js';
import { historyPage, type HistoryFilters } from './history-page.js';
import type { ConsolePage } from './layout.js';

const PAGE_SIZE = 50;
const DAY = 86_400_000;

function text(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A day as the date field sends it ('2026-05-04'), as the start of that day in UTC. */
function day(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const time = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(time.getTime()) || time.toISOString().slice(0, 10) !== value ? undefined : time;
}

/** The search the filters ask for, or the sentence that says which filter cannot be read. */
async function searchOf(
  filters: HistoryFilters,
  before: string,
  admin: AdminService,
): Promise<HistorySearch | string> {
  const since = filters.since === '' ? undefined : day(filters.since);
  if (filters.since !== '' && !since) return t('admin.history.bad_date', { value: filters.since });
  const untilDay = filters.until === '' ? undefined : day(filters.until);
  if (filters.until !== '' && !untilDay) return t('admin.history.bad_date', { value: filters.until });
  const status = HISTORY_STATUSES.find((s) => s === filters.status);
  return {
    user: filters.user === '' ? undefined : await admin.canonicalName(filters.user),
    method: filters.method === '' ? undefined : filters.method,
    status: status as HistoryStatus | undefined,
    since,
    // The 'to' day is included: everything before the next day begins.
    until: untilDay && new Date(untilDay.getTime() + DAY - 1),
    before: /^\d{1,15}$/.test(before) ? Number(before) : undefined,
    limit: PAGE_SIZE,
  };
}

export async function showHistory(
  req: Request,
  res: Response,
  deps: { console: ConsolePage; admin: AdminService; store: Ports['store']; methods: MethodRegistry },
): Promise<void> {
  const filters: HistoryFilters = {
    user: text(req, 'user'),
    method: text(req, 'method'),
    status: text(req, 'status'),
    since: text(req, 'since'),
    until: text(req, 'until'),
  };
  const search = await searchOf(filters, text(req, 'before'), deps.admin);
  const methods = deps.methods.all.map((method) => ({ id: method.id, label: method.label }));
  const result =
    typeof search === 'string'
      ? { entries: [], stoppedShort: false, scanned: 0 }
      : await searchHistory(deps.store, search);
  res
    .status(typeof search === 'string' ? 400 : 200)
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(
      historyPage({
        page: deps.console,
        filters,
        methods,
        names: (id) => deps.methods.get(id)?.label,
        result,
        paged: typeof search !== 'string' && search.before !== undefined,
        error: typeof search === 'string' ? search : undefined,
      }),
    );
}
