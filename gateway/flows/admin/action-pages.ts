/**
 * The help-desk pages that follow an action: each action that cannot be undone asked about
 * first, on a page of its own (what it does, a button to do it, a way back), and the one page
 * that shows a temporary code.
 */
import { csrfField, html, page } from '../../http/html.js';
import { t, tn } from '../../i18n/index.js';
import { withTime } from '../../i18n/time.js';
import { consoleNav, type ConsolePage } from './layout.js';
import { userUrl } from './pages.js';

/** An action that cannot be undone, asked about first: what it does, a button to do it, a way back. */
export function confirmActionPage(options: {
  console: ConsolePage;
  user: string;
  title: string;
  text: string;
  action: string;
  fields?: Record<string, string>;
  submit: string;
}): string {
  const { console: c } = options;
  return page({
    title: options.title,
    wide: true,
    scripts: c.scripts,
    body: html`${consoleNav(c.basePath)}
      <h1>${options.title}</h1>
      <p>${options.text}</p>
      <div class="actions">
        <form method="post" action="${options.action}">
          ${csrfField(c.csrf)}<input type="hidden" name="confirm" value="yes" />
          ${Object.entries(options.fields ?? {}).map(
            ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
          )}
          <button type="submit">${options.submit}</button>
        </form>
        <p><a href="${userUrl(c.basePath, options.user)}">${t('admin.confirm.cancel')}</a></p>
      </div>`,
  });
}

export function removeMobilePage(c: ConsolePage, user: string, mobile: string): string {
  return confirmActionPage({
    console: c,
    user,
    title: t('admin.confirm.remove_mobile.title', { user }),
    text: t('admin.confirm.remove_mobile.text', { user, mobile }),
    action: `${userUrl(c.basePath, user)}/mobile/remove`,
    submit: t('admin.lost_phone.remove'),
  });
}

export function removeCredentialPage(c: ConsolePage, user: string, id: string, name: string): string {
  return confirmActionPage({
    console: c,
    user,
    title: t('admin.confirm.remove_credential.title', { user, name }),
    text: t('admin.confirm.remove_credential.text', { user, name }),
    action: `${userUrl(c.basePath, user)}/credentials/remove`,
    fields: { credential: id },
    submit: t('admin.credentials.remove_one', { name }),
  });
}

export function revokeAllPage(c: ConsolePage, user: string, count: number): string {
  return confirmActionPage({
    console: c,
    user,
    title: t('admin.confirm.revoke_all.title', { user }),
    text: tn('admin.confirm.revoke_all.text', count, { user }),
    action: `${userUrl(c.basePath, user)}/activations/revoke`,
    fields: { all: 'yes' },
    submit: t('admin.networks.revoke_all'),
  });
}

/** The one time the code is shown: large, selectable in one click, never stored in the page's URL. */
export function issuedCodePage(options: {
  console: ConsolePage;
  user: string;
  code: string;
  expiresAt: string;
}) {
  const { console: c, user } = options;
  return page({
    title: t('admin.issued.title', { user }),
    wide: true,
    scripts: c.scripts,
    body: html`${consoleNav(c.basePath)}
      <h1>${t('admin.issued.title', { user })}</h1>
      <p class="notice" role="status">${t('admin.issued.once', { user })}</p>
      <p class="code" id="temporary-code" aria-label="${t('admin.issued.code')}">${options.code}</p>
      <p>${withTime('admin.issued.until', new Date(options.expiresAt), { user })}</p>
      <p><a href="${userUrl(c.basePath, user)}">${t('admin.issued.back', { user })}</a></p>`,
  });
}
