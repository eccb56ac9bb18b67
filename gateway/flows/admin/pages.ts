/**
 * The help-desk pages: find a user, see how they confirm (masked) and where they are signed in,
 * and act on it. Plain HTML, every form with its CSRF token, tables with header cells a screen
 * reader can follow; the actions that cannot be undone ask first, on a page of their own
 * (action-pages.ts).
 */
import type { UserPermissionSets, UserSummary } from '../../admin/service.js';
import type { SignedInSession } from '../../admin/sessions.js';
import type { SafeHtml } from '../../http/html.js';
import { csrfField, html, page } from '../../http/html.js';
import { t } from '../../i18n/index.js';
import { timeElement, withTime } from '../../i18n/time.js';
import type { RememberedNetwork, StoredHistoryEntry } from '../../ports.js';
import type { CredentialJson } from '../../factors/credentials.js';
import { historyTable, type MethodNames } from './history-page.js';
import { consoleNav, type ConsolePage } from './layout.js';

export function userUrl(basePath: string, user: string): string {
  return `${basePath}/admin/users/${encodeURIComponent(user)}`;
}

function messages(notice?: string, error?: string): SafeHtml {
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}`;
}

function findForm(basePath: string, value = ''): SafeHtml {
  return html`<form method="get" action="${basePath}/admin" role="search">
    <label for="find-user">${t('admin.find.label')}</label>
    <input type="text" id="find-user" name="user" value="${value}" autocomplete="off" required />
    <button type="submit">${t('admin.find.submit')}</button>
  </form>`;
}

export function findPage(options: { console: ConsolePage; user?: string; error?: string }): string {
  const { basePath } = options.console;
  return page({
    title: t('admin.title'),
    wide: true,
    scripts: options.console.scripts,
    body: html`${consoleNav(basePath)}
      <h1>${t('admin.heading')}</h1>
      ${messages(undefined, options.error)}
      <p>${t('admin.find.intro')}</p>
      ${findForm(basePath, options.user)}`,
  });
}

export interface UserPageView {
  summary: UserSummary;
  sets: UserPermissionSets;
  networks: RememberedNetwork[];
  sessions: SignedInSession[];
  history: StoredHistoryEntry[];
}

function methodsSection(s: UserSummary): SafeHtml {
  const source = t(`admin.source.${s.source}`);
  const app = s.credentials.find((c) => c.method === 'authenticator');
  return html`<h2>${t('admin.user.how', { user: s.user })}</h2>
    <table>
      <tbody>
        <tr>
          <th scope="row">${t('admin.user.account')}</th>
          <td>${t(s.active ? 'admin.user.active' : 'admin.user.inactive', { source })}</td>
        </tr>
        <tr>
          <th scope="row">${t('admin.user.email')}</th>
          <td>${s.email ?? t('admin.user.none')}</td>
        </tr>
        <tr>
          <th scope="row">${t('admin.user.mobile')}</th>
          <td>${s.mobile ?? t('admin.user.no_mobile')}</td>
        </tr>
        <tr>
          <th scope="row">${t('admin.user.authenticator')}</th>
          <td>
            ${app ? (app.name ? t('admin.user.set_up_on', { device: app.name }) : t('admin.user.set_up')) : t('admin.user.none')}
          </td>
        </tr>
        <tr>
          <th scope="row">${t('admin.user.temporary')}</th>
          <td>
            ${
              s.temporary_code_expires_at
                ? withTime('admin.user.temporary_until', new Date(s.temporary_code_expires_at))
                : t('admin.user.temporary_none')
            }
          </td>
        </tr>
      </tbody>
    </table>`;
}

/** A table row's own action: one button posting one hidden field, labelled for a screen reader by its row. */
function rowAction(
  c: ConsolePage,
  action: string,
  [name, value]: [string, string],
  text: string,
  label: string,
): SafeHtml {
  return html`<form method="post" action="${action}">
    ${csrfField(c.csrf)}<input type="hidden" name="${name}" value="${value}" />
    <button type="submit" class="secondary" aria-label="${label}">${text}</button>
  </form>`;
}

/** Each credential the user holds (authenticator apps, passkeys), with a Remove that asks first. */
function credentialsSection(c: ConsolePage, s: UserSummary, names: MethodNames): SafeHtml {
  const title = html`<h2>${t('admin.credentials.title')}</h2>`;
  if (s.credentials.length === 0)
    return html`${title}
      <p>${t('admin.credentials.none', { user: s.user })}</p>`;
  const action = `${userUrl(c.basePath, s.user)}/credentials/remove`;
  return html`${title}
    <p>${t('admin.credentials.means')}</p>
    <table>
      <thead>
        <tr>
          <th scope="col">${t('admin.credentials.method')}</th>
          <th scope="col">${t('admin.credentials.name')}</th>
          <th scope="col">${t('admin.credentials.added')}</th>
          <th scope="col">${t('admin.credentials.last_used')}</th>
          <th scope="col"><span class="muted">${t('admin.credentials.action')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${s.credentials.map(
          (credential) =>
            html`<tr>
              <th scope="row">${names(credential.method) ?? credential.method}</th>
              <td>${credential.name ?? ''}</td>
              <td>${timeElement(new Date(credential.created_at))}</td>
              <td>
                ${
                  credential.last_used_at
                    ? timeElement(new Date(credential.last_used_at))
                    : t('admin.credentials.not_used')
                }
              </td>
              <td>
                ${rowAction(
                  c,
                  action,
                  ['credential', credential.id],
                  t('admin.credentials.remove'),
                  t('admin.credentials.remove_one', { name: credentialLabel(credential, names) }),
                )}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

/** How the console names one credential: its method, and the name its owner gave it. */
export function credentialLabel(credential: CredentialJson, names: MethodNames): string {
  const method = names(credential.method) ?? credential.method;
  return credential.name ? `${method} '${credential.name}'` : method;
}

function sessionsSection(c: ConsolePage, user: string, sessions: readonly SignedInSession[]): SafeHtml {
  const action = `${userUrl(c.basePath, user)}/sessions/sign-out`;
  if (sessions.length === 0) {
    return html`<h2>${t('admin.sessions.title')}</h2>
      <p>${t('admin.sessions.none', { user })}</p>`;
  }
  return html`<h2>${t('admin.sessions.title')}</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">${t('admin.sessions.since')}</th>
          <th scope="col">${t('admin.sessions.from')}</th>
          <th scope="col">${t('admin.sessions.browser')}</th>
          <th scope="col">${t('admin.sessions.how')}</th>
          <th scope="col">${t('admin.sessions.stage')}</th>
          <th scope="col"><span class="muted">${t('admin.sessions.action')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${sessions.map(
          (s) =>
            html`<tr>
              <th scope="row">${timeElement(s.signedInAt)}</th>
              <td>
                ${s.sourceIp}${s.current ? html` <span class="muted">${t('admin.sessions.you')}</span>` : ''}
              </td>
              <td>${s.userAgent ?? ''}</td>
              <td>${t(`admin.login.${s.login}`)}</td>
              <td>${t(`admin.stage.${s.stage}`)}</td>
              <td>
                ${rowAction(c, action, ['session', s.handle], t('admin.sessions.sign_out'), t('admin.sessions.sign_out_one', { ip: s.sourceIp }))}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="${action}">
      ${csrfField(c.csrf)}<input type="hidden" name="all" value="yes" />
      <button type="submit" class="secondary">${t('admin.sessions.sign_out_all', { user })}</button>
    </form>`;
}

function actionsSection(c: ConsolePage, s: UserSummary): SafeHtml {
  const base = userUrl(c.basePath, s.user);
  return html`<h2>${t('admin.lost_phone')}</h2>
    ${
      s.mobile
        ? html`<p>${t('admin.lost_phone.means')}</p>
            <p><a class="button" href="${base}/mobile/remove">${t('admin.lost_phone.remove')}</a></p>`
        : html`<p>${t('admin.lost_phone.none')}</p>`
    }
    <h2>${t('admin.temporary.title')}</h2>
    <form method="post" action="${base}/temporary-code">
      ${csrfField(c.csrf)}
      <label for="hours">${t('admin.temporary.hours')}</label>
      <input type="number" id="hours" name="hours" min="1" max="24" step="1" value="1" required />
      <button type="submit">${t('admin.temporary.issue')}</button>
    </form>
    ${
      s.temporary_code_expires_at
        ? html`<form method="post" action="${base}/temporary-code/expire">
            ${csrfField(c.csrf)}<button type="submit" class="secondary">
              ${t('admin.temporary.expire')}
            </button>
          </form>`
        : ''
    }`;
}

function setsSection(c: ConsolePage, user: string, sets: UserPermissionSets): SafeHtml {
  const action = `${userUrl(c.basePath, user)}/permission-sets`;
  const assigned = sets.assigned.map((a) => a.permission_set);
  const unassigned = sets.known.filter((name) => !assigned.includes(name));
  return html`<h2>${t('admin.sets.title')}</h2>
    <p>
      ${
        sets.from_source.length > 0
          ? t('admin.sets.from_source', { sets: sets.from_source.join(', ') })
          : t('admin.sets.from_source_none')
      }
    </p>
    ${
      sets.assigned.length === 0
        ? html`<p>${t('admin.sets.none')}</p>`
        : html`<table>
            <caption class="muted">
              ${t('admin.sets.caption')}
            </caption>
            <thead>
              <tr>
                <th scope="col">${t('admin.sets.set')}</th>
                <th scope="col">${t('admin.sets.assigned')}</th>
                <th scope="col">${t('admin.sets.by')}</th>
                <th scope="col"><span class="muted">${t('admin.sets.action')}</span></th>
              </tr>
            </thead>
            <tbody>
              ${sets.assigned.map(
                (a) =>
                  html`<tr>
                    <th scope="row">${a.permission_set}</th>
                    <td>${timeElement(new Date(a.assigned_at))}</td>
                    <td>${a.assigned_by}</td>
                    <td>
                      <form method="post" action="${action}">
                        ${csrfField(c.csrf)} <input type="hidden" name="action" value="unassign" /><input
                          type="hidden"
                          name="set"
                          value="${a.permission_set}"
                        />
                        <button
                          type="submit"
                          class="secondary"
                          aria-label="${t('admin.sets.unassign_one', { set: a.permission_set })}"
                        >
                          ${t('admin.sets.unassign')}
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      unassigned.length > 0
        ? html`<form method="post" action="${action}">
            ${csrfField(c.csrf)}<input type="hidden" name="action" value="assign" />
            <label for="set">${t('admin.sets.assign_label')}</label>
            <select id="set" name="set">
              ${unassigned.map((name) => html`<option>${name}</option>`)}
            </select>
            <button type="submit">${t('admin.sets.assign')}</button>
          </form>`
        : ''
    }`;
}

function activationsSection(
  c: ConsolePage,
  user: string,
  networks: RememberedNetwork[],
  names: MethodNames,
): SafeHtml {
  const base = userUrl(c.basePath, user);
  if (networks.length === 0) {
    return html`<h2>${t('admin.networks.title')}</h2>
      <p>${t('admin.networks.none')}</p>`;
  }
  return html`<h2>${t('admin.networks.title')}</h2>
    <p>${t('admin.networks.means')}</p>
    <table>
      <thead>
        <tr>
          <th scope="col">${t('admin.networks.network')}</th>
          <th scope="col">${t('admin.networks.first')}</th>
          <th scope="col">${t('admin.networks.last')}</th>
          <th scope="col">${t('admin.networks.method')}</th>
          <th scope="col"><span class="muted">${t('admin.networks.action')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${networks.map(
          (n) =>
            html`<tr>
              <th scope="row">${n.network}</th>
              <td>${timeElement(n.firstUsedAt)}</td>
              <td>${timeElement(n.lastUsedAt)}</td>
              <td>${names(n.method) ?? n.method}</td>
              <td>
                ${rowAction(c, `${base}/activations/revoke`, ['network', n.network], t('admin.networks.revoke'), t('admin.networks.revoke_one', { network: n.network }))}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p><a class="button" href="${base}/activations/revoke">${t('admin.networks.revoke_all')}</a></p>`;
}

function historySection(c: ConsolePage, user: string, entries: StoredHistoryEntry[], names: MethodNames) {
  const csv = `${c.basePath}/admin/v1/history?user=${encodeURIComponent(user)}&format=csv`;
  const all = `${c.basePath}/admin/history?user=${encodeURIComponent(user)}`;
  return html`<h2>${t('admin.history.recent')}</h2>
    ${entries.length === 0 ? html`<p>${t('admin.history.none')}</p>` : historyTable(entries, names, false)}
    <ul class="actions">
      <li><a href="${all}">${t('admin.history.all_of', { user })}</a></li>
      <li><a href="${csv}">${t('admin.history.csv')}</a></li>
    </ul>`;
}

export function userPage(options: {
  console: ConsolePage;
  view: UserPageView;
  names: MethodNames;
  notice?: string | undefined;
  error?: string | undefined;
}): string {
  const { console: c, view, names } = options;
  const user = view.summary.user;
  return page({
    title: `${t('admin.title')}: ${user}`,
    wide: true,
    scripts: c.scripts,
    body: html`${consoleNav(c.basePath)}
      <h1>${user}</h1>
      ${messages(options.notice, options.error)} ${methodsSection(view.summary)}
      ${credentialsSection(c, view.summary, names)} ${sessionsSection(c, user, view.sessions)}
      ${actionsSection(c, view.summary)} ${setsSection(c, user, view.sets)}
      ${activationsSection(c, user, view.networks, names)} ${historySection(c, user, view.history, names)}`,
  });
}
