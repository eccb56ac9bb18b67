/**
 * The verification history as the help desk reads it: statuses, triggers and methods in words,
 * times as `<time>` (shown in the viewer's zone by the console's script), filters by user,
 * method, status and time, and pages of older entries.
 */
import { HELP_DESK_ACTIONS, HISTORY_STATUSES, type HistoryPage } from '../../admin/history-search.js';
import { html, page, type SafeHtml } from '../../http/html.js';
import { isMessageKey, t, type MessageKey } from '../../i18n/index.js';
import { timeElement } from '../../i18n/time.js';
import type { HistoryStatus, StoredHistoryEntry } from '../../ports.js';
import { consoleNav, type ConsolePage } from './layout.js';

/** What the help desk reads for a method id: the method's own label, and the help desk's actions in words. */
export type MethodNames = (id: string) => string | undefined;

export function statusInWords(status: HistoryStatus): string {
  return t(`admin.status.${status}` as MessageKey);
}

function triggerInWords(trigger: string | null): string {
  if (trigger === null) return '';
  const key = `admin.trigger.${trigger}`;
  return isMessageKey(key) ? t(key) : trigger;
}

export function methodInWords(method: string, names: MethodNames): string {
  if (method === 'none') return t('admin.method.none');
  if (method.startsWith(`${HELP_DESK_ACTIONS}:`)) {
    const action = method.slice(HELP_DESK_ACTIONS.length + 1);
    const key = `admin.action.${action}`;
    return t('admin.method.action', { action: isMessageKey(key) ? t(key) : action });
  }
  return names(method) ?? method;
}

export function historyTable(entries: readonly StoredHistoryEntry[], names: MethodNames, withUser: boolean) {
  return html`<table>
    <caption class="muted">
      ${t('admin.history.caption')}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t('admin.history.time')}</th>
        ${withUser ? html`<th scope="col">${t('admin.history.user')}</th>` : ''}
        <th scope="col">${t('admin.history.method')}</th>
        <th scope="col">${t('admin.history.status')}</th>
        <th scope="col">${t('admin.history.trigger')}</th>
        <th scope="col">${t('admin.history.source_ip')}</th>
        <th scope="col">${t('admin.history.detail')}</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        (e) =>
          html`<tr>
            <th scope="row">${timeElement(e.time)}</th>
            ${withUser ? html`<td>${e.user}</td>` : ''}
            <td>${methodInWords(e.method, names)}</td>
            <td>${statusInWords(e.status)}</td>
            <td>${triggerInWords(e.triggeredBy)}</td>
            <td>${e.sourceIp ?? ''}</td>
            <td>${e.detail ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The filters as the form sent them, kept as typed so the form shows them again. */
export interface HistoryFilters {
  user: string;
  method: string;
  status: string;
  since: string;
  until: string;
}

function option(value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}" ${value === selected ? html`selected` : ''}>${label}</option>`;
}

function filterForm(
  basePath: string,
  filters: HistoryFilters,
  methods: readonly { id: string; label: string }[],
) {
  return html`<form
    method="get"
    action="${basePath}/admin/history"
    class="filters"
    aria-label="${t('admin.history.filters')}"
  >
    <p>
      <label for="history-user">${t('admin.history.user')}</label>
      <input type="text" id="history-user" name="user" value="${filters.user}" autocomplete="off" />
    </p>
    <p>
      <label for="history-method">${t('admin.history.method')}</label>
      <select id="history-method" name="method">
        ${option('', t('admin.history.any'), filters.method)}
        ${methods.map((m) => option(m.id, m.label, filters.method))}
        ${option('none', t('admin.method.none'), filters.method)}
        ${option(HELP_DESK_ACTIONS, t('admin.history.help_desk'), filters.method)}
      </select>
    </p>
    <p>
      <label for="history-status">${t('admin.history.status')}</label>
      <select id="history-status" name="status">
        ${option('', t('admin.history.any'), filters.status)}
        ${HISTORY_STATUSES.map((s) => option(s, statusInWords(s), filters.status))}
      </select>
    </p>
    <p>
      <label for="history-since">${t('admin.history.since')}</label>
      <input type="date" id="history-since" name="since" value="${filters.since}" />
    </p>
    <p>
      <label for="history-until">${t('admin.history.until')}</label>
      <input type="date" id="history-until" name="until" value="${filters.until}" />
    </p>
    <p><button type="submit">${t('admin.history.apply')}</button></p>
  </form>`;
}

function queryOf(filters: HistoryFilters, before?: number): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== '') params.set(name, value);
  if (before !== undefined) params.set('before', String(before));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function historyPage(options: {
  page: ConsolePage;
  filters: HistoryFilters;
  methods: readonly { id: string; label: string }[];
  names: MethodNames;
  result: HistoryPage;
  /** Whether this is a later page (reached with `before`). */
  paged: boolean;
  error?: string | undefined;
}): string {
  const { page: console, filters, result } = options;
  const base = `${console.basePath}/admin/history`;
  const filtered = Object.values(filters).some((value) => value !== '');
  const paging =
    options.paged || result.older !== undefined
      ? html`<nav class="pages" aria-label="${t('admin.history.pages')}">
          ${options.paged ? html`<a href="${base}${queryOf(filters)}">${t('admin.history.newest')}</a>` : ''}
          ${result.older !== undefined ? html`<a href="${base}${queryOf(filters, result.older)}">${t('admin.history.older')}</a>` : ''}
        </nav>`
      : '';
  return page({
    title: t('admin.history.title'),
    wide: true,
    scripts: console.scripts,
    body: html`${consoleNav(console.basePath)}
      <h1>${t('admin.history.title')}</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      ${filterForm(console.basePath, filters, options.methods)}
      ${filtered ? html`<p><a href="${base}">${t('admin.history.clear')}</a></p>` : ''}
      ${
        result.stoppedShort
          ? html`<p class="notice" role="status">
              ${t('admin.history.scan_limit', { count: result.scanned })}
            </p>`
          : ''
      }
      ${
        result.entries.length === 0
          ? html`<p>${t('admin.history.none')}</p>`
          : historyTable(result.entries, options.names, true)
      }
      ${paging}`,
  });
}
