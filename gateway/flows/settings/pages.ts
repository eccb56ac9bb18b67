/**
 * The person's own sign-in settings: a way back to the application; each way they can confirm it
 * is them, with what it means (their mobile, email, the methods that keep credentials, a help
 * desk's temporary code); the networks they are not asked on again; for a help desk, the console.
 */
import { csrfField, html, page, type SafeHtml } from '../../http/html.js';
import { t } from '../../i18n/index.js';
import { durationInWords, timeElement, withTime } from '../../i18n/time.js';
import type { CredentialMethod } from '../../factors/index.js';
import type { CredentialSummary, PageContext } from '../../factors/types.js';
import type { RememberedNetwork } from '../../ports.js';

export interface SettingsView {
  user: string;
  mobile?: string | undefined;
  email?: string | undefined;
  /** Each method that keeps credentials, with the user's, and whether new ones may be set up. */
  methods: { method: CredentialMethod; held: CredentialSummary[]; enrollable: boolean }[];
  temporaryCodeExpiresAt?: Date | undefined;
  networks: RememberedNetwork[];
  /** policy `remember_networks_for`; 0 is until revoked. */
  rememberFor: number;
  /** Where "Back to the application" goes. */
  backUrl: string;
  /** The person may use the help-desk console. */
  helpDesk: boolean;
  /** What a method id reads as (a remembered network's "confirmed with"). */
  methodName(id: string): string;
}

function networksSection(view: SettingsView): SafeHtml {
  if (view.networks.length === 0) {
    return html`<h2>${t('settings.networks')}</h2>
      <p>${t('settings.networks.none')}</p>`;
  }
  return html`<h2>${t('settings.networks')}</h2>
    <p>
      ${t('settings.networks.means')}
      ${view.rememberFor > 0 ? t('settings.networks.until', { duration: durationInWords(view.rememberFor) }) : ''}
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col">${t('settings.networks.network')}</th>
          <th scope="col">${t('settings.networks.first')}</th>
          <th scope="col">${t('settings.networks.last')}</th>
          <th scope="col">${t('settings.networks.method')}</th>
        </tr>
      </thead>
      <tbody>
        ${view.networks.map(
          (n) =>
            html`<tr>
              <th scope="row">${n.network}</th>
              <td>${timeElement(n.firstUsedAt)}</td>
              <td>${timeElement(n.lastUsedAt)}</td>
              <td>${view.methodName(n.method)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}

export function settingsPage(options: {
  page: PageContext;
  view: SettingsView;
  /** The script that shows times in the viewer's zone, with this page's nonce. */
  scripts?: { src: string; nonce: string }[];
  notice?: string;
  error?: string;
}): string {
  const { page: ctx, view } = options;
  const { basePath, csrf } = ctx;
  return page({
    title: t('settings.title'),
    scripts: options.scripts ?? [],
    body: html`<p class="actions">
        <a href="${view.backUrl}">${t('settings.back')}</a>
        ${view.helpDesk ? html`<a href="${basePath}/admin">${t('settings.help_desk')}</a>` : ''}
      </p>
      <h1>${t('settings.title')}</h1>
      ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <p>${t('settings.intro')}</p>
      <h2>${t('settings.mobile')}</h2>
      <p>${view.mobile ?? t('settings.mobile.none')}</p>
      ${view.mobile ? html`<p class="muted">${t('settings.mobile.means')}</p>` : ''}
      <p>
        <a href="${basePath}/mobile"
          >${view.mobile ? t('settings.mobile.change') : t('settings.mobile.add')}</a
        >
      </p>
      <h2>${t('settings.email')}</h2>
      <p>${view.email ?? t('settings.email.none')}</p>
      ${view.email ? html`<p class="muted">${t('settings.email.means')}</p>` : ''}
      ${view.methods.map(({ method, held, enrollable }) =>
        method.credentials.view.section(ctx, held, enrollable),
      )}
      <h2>${t('settings.temporary')}</h2>
      ${
        view.temporaryCodeExpiresAt
          ? html`<p>${withTime('settings.temporary.active', view.temporaryCodeExpiresAt)}</p>
              <form method="post" action="${basePath}/settings/temporary-code/expire">
                ${csrfField(csrf)}<button type="submit" class="secondary">
                  ${t('settings.temporary.expire')}
                </button>
              </form>`
          : html`<p>${t('settings.temporary.none')}</p>`
      }
      ${networksSection(view)}
      <form method="post" action="${basePath}/logout">
        ${csrfField(csrf)}<button type="submit" class="secondary">${t('settings.sign_out')}</button>
      </form>`,
  });
}
