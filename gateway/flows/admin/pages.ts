/**
 * The help-desk pages: find a user, see how they confirm (masked), and act on it. Plain HTML,
 * every form with its CSRF token, tables with header cells a screen reader can follow.
 */
import type { UserPermissionSets, UserSummary } from '../../admin/service.js';
import type { SafeHtml } from '../../http/html.js';
import { csrfField, html, page } from '../../http/html.js';
import type { RememberedNetwork, StoredHistoryEntry } from '../../ports.js';

function userUrl(basePath: string, user: string): string {
  return `${basePath}/admin/users/${encodeURIComponent(user)}`;
}

function messages(notice?: string, error?: string): SafeHtml {
  return html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${error ? html`<p class="error" role="alert">${error}</p>` : ''}`;
}

function findForm(basePath: string, value = ''): SafeHtml {
  return html`<form method="get" action="${basePath}/admin" role="search">
    <label for="find-user">Username</label>
    <input type="text" id="find-user" name="user" value="${value}" autocomplete="off" required />
    <button type="submit">Find</button>
  </form>`;
}

export function findPage(options: { basePath: string; user?: string; error?: string }): string {
  return page({
    title: 'Help desk',
    wide: true,
    body: html`<h1>Help desk: identity confirmation</h1>
      ${messages(undefined, options.error)}
      <p>Find the person who needs help by their username.</p>
      ${findForm(options.basePath, options.user)}`,
  });
}

export interface UserPageView {
  summary: UserSummary;
  sets: UserPermissionSets;
  networks: RememberedNetwork[];
  history: StoredHistoryEntry[];
}

const SOURCES: Record<UserSummary['source'], string> = {
  users_file: 'the users file',
  directory: 'the directory',
  store: "stepgate's own records: a federated user",
};

function methodsSection(s: UserSummary): SafeHtml {
  return html`<h2>How ${s.user} confirms</h2>
    <table>
      <tbody>
        <tr>
          <th scope="row">Account</th>
          <td>${s.active ? 'Active' : 'Inactive'} (known from ${SOURCES[s.source]})</td>
        </tr>
        <tr>
          <th scope="row">Email</th>
          <td>${s.email ?? 'None'}</td>
        </tr>
        <tr>
          <th scope="row">Mobile</th>
          <td>${s.mobile ?? 'None verified'}</td>
        </tr>
        <tr>
          <th scope="row">Authenticator app</th>
          <td>${s.authenticator ? 'Set up' : 'None'}</td>
        </tr>
        <tr>
          <th scope="row">Temporary code</th>
          <td>
            ${s.temporary_code_expires_at ? html`Active until <time datetime="${s.temporary_code_expires_at}">${s.temporary_code_expires_at}</time>` : 'None active'}
          </td>
        </tr>
      </tbody>
    </table>`;
}

function actionsSection(basePath: string, csrf: string, s: UserSummary): SafeHtml {
  const base = userUrl(basePath, s.user);
  return html`<h2>Lost phone</h2>
    ${
      s.mobile
        ? html`<p>Removing the mobile number makes the next challenge offer email instead.</p>
            <form method="post" action="${base}/mobile/remove">
              ${csrfField(csrf)}<button type="submit">Remove the mobile number</button>
            </form>`
        : html`<p>There is no verified mobile number to remove.</p>`
    }
    <h2>Temporary code</h2>
    <form method="post" action="${base}/temporary-code">
      ${csrfField(csrf)}
      <label for="hours">Valid for (whole hours, 1 to 24)</label>
      <input type="number" id="hours" name="hours" min="1" max="24" step="1" value="1" required />
      <button type="submit">Issue a temporary code</button>
    </form>
    ${
      s.temporary_code_expires_at
        ? html`<form method="post" action="${base}/temporary-code/expire">
            ${csrfField(csrf)}<button type="submit" class="secondary">Expire the active code now</button>
          </form>`
        : ''
    }`;
}

function setsSection(basePath: string, csrf: string, user: string, sets: UserPermissionSets): SafeHtml {
  const action = `${userUrl(basePath, user)}/permission-sets`;
  const assigned = sets.assigned.map((a) => a.permission_set);
  return html`<h2>Permission sets</h2>
    <p>From the sign-in source: ${sets.from_source.length > 0 ? sets.from_source.join(', ') : 'none'}.</p>
    ${
      sets.assigned.length === 0
        ? html`<p>None assigned here.</p>`
        : html`<table>
            <caption class="muted">
              Assigned by the help desk
            </caption>
            <thead>
              <tr>
                <th scope="col">Permission set</th>
                <th scope="col">Assigned</th>
                <th scope="col">By</th>
                <th scope="col"><span class="muted">Action</span></th>
              </tr>
            </thead>
            <tbody>
              ${sets.assigned.map(
                (a) =>
                  html`<tr>
                    <th scope="row">${a.permission_set}</th>
                    <td>${a.assigned_at}</td>
                    <td>${a.assigned_by}</td>
                    <td>
                      <form method="post" action="${action}">
                        ${csrfField(csrf)} <input type="hidden" name="action" value="unassign" /><input
                          type="hidden"
                          name="set"
                          value="${a.permission_set}"
                        />
                        <button type="submit" class="secondary" aria-label="Unassign ${a.permission_set}">
                          Unassign
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      sets.known.some((name) => !assigned.includes(name))
        ? html`<form method="post" action="${action}">
            ${csrfField(csrf)}<input type="hidden" name="action" value="assign" />
            <label for="set">Assign a permission set</label>
            <select id="set" name="set">
              ${sets.known.filter((name) => !assigned.includes(name)).map((name) => html`<option>${name}</option>`)}
            </select>
            <button type="submit">Assign</button>
          </form>`
        : ''
    }`;
}

function activationsSection(
  basePath: string,
  csrf: string,
  user: string,
  networks: RememberedNetwork[],
): SafeHtml {
  const action = `${userUrl(basePath, user)}/activations/revoke`;
  if (networks.length === 0) {
    return html`<h2>Remembered networks</h2>
      <p>None: the next sign-in from any network is challenged.</p>`;
  }
  return html`<h2>Remembered networks</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Network</th>
          <th scope="col">First used</th>
          <th scope="col">Last used</th>
          <th scope="col">Confirmed by</th>
          <th scope="col"><span class="muted">Action</span></th>
        </tr>
      </thead>
      <tbody>
        ${networks.map(
          (n) =>
            html`<tr>
              <th scope="row">${n.network}</th>
              <td>${n.firstUsedAt.toISOString()}</td>
              <td>${n.lastUsedAt.toISOString()}</td>
              <td>${n.method}</td>
              <td>
                <form method="post" action="${action}">
                  ${csrfField(csrf)}<input type="hidden" name="network" value="${n.network}" />
                  <button type="submit" class="secondary" aria-label="Revoke ${n.network}">Revoke</button>
                </form>
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="${action}">
      ${csrfField(csrf)}<input type="hidden" name="all" value="yes" /><button type="submit">
        Revoke every network
      </button>
    </form>`;
}

function historySection(basePath: string, user: string, entries: StoredHistoryEntry[]): SafeHtml {
  const csv = `${basePath}/admin/v1/history?user=${encodeURIComponent(user)}&format=csv`;
  return html`<h2>Recent history</h2>
    ${
      entries.length === 0
        ? html`<p>Nothing recorded.</p>`
        : html`<table>
            <caption class="muted">
              Newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Method</th>
                <th scope="col">Status</th>
                <th scope="col">Triggered by</th>
                <th scope="col">Source IP</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (e) =>
                  html`<tr>
                    <th scope="row">
                      <time datetime="${e.time.toISOString()}">${e.time.toISOString()}</time>
                    </th>
                    <td>${e.method}</td>
                    <td>${e.status}</td>
                    <td>${e.triggeredBy ?? ''}</td>
                    <td>${e.sourceIp ?? ''}</td>
                    <td>${e.detail ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <p><a href="${csv}">Download the history as CSV</a></p>`;
}

export function userPage(options: {
  basePath: string;
  csrf: string;
  view: UserPageView;
  notice?: string | undefined;
  error?: string | undefined;
}): string {
  const { basePath, csrf, view } = options;
  const user = view.summary.user;
  return page({
    title: `Help desk: ${user}`,
    wide: true,
    body: html` <p><a href="${basePath}/admin">Find another user</a></p>
      <h1>${user}</h1>
      ${messages(options.notice, options.error)} ${methodsSection(view.summary)}
      ${actionsSection(basePath, csrf, view.summary)} ${setsSection(basePath, csrf, user, view.sets)}
      ${activationsSection(basePath, csrf, user, view.networks)}
      ${historySection(basePath, user, view.history)}`,
  });
}

/** The one time the code is shown: large, selectable in one click, never stored in the page's URL. */
export function issuedCodePage(options: {
  basePath: string;
  user: string;
  code: string;
  expiresAt: string;
}): string {
  const { basePath, user } = options;
  return page({
    title: `Temporary code for ${user}`,
    wide: true,
    body: html`<h1>Temporary code for ${user}</h1>
      <p class="notice" role="status">Give this code to ${user} now. It is shown only this once.</p>
      <p class="code" id="temporary-code" aria-label="Temporary code">${options.code}</p>
      <p>
        It works until <time datetime="${options.expiresAt}">${options.expiresAt}</time>, or until it is
        expired early. ${user} is told by email that a code was issued.
      </p>
      <p><a href="${userUrl(basePath, user)}">Back to ${user}</a></p>`,
  });
}
