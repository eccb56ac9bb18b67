import { csrfField, html, page } from '../../http/html.js';
import type { CredentialMethod } from '../../factors/index.js';
import type { CredentialSummary, PageContext } from '../../factors/types.js';

export interface SettingsView {
  user: string;
  mobile?: string | undefined;
  email?: string | undefined;
  /** Each method that keeps credentials, with the user's, and whether new ones may be set up. */
  methods: { method: CredentialMethod; held: CredentialSummary[]; enrollable: boolean }[];
  temporaryCodeExpiresAt?: Date | undefined;
}

export function settingsPage(options: {
  page: PageContext;
  view: SettingsView;
  notice?: string;
  error?: string;
}): string {
  const { page: ctx, view } = options;
  const { basePath, csrf } = ctx;
  return page({
    title: 'Your sign-in settings',
    body: html`<h1>Your sign-in settings</h1>
      ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <h2>Mobile number</h2>
      <p>${view.mobile ?? 'None registered.'}</p>
      <p>
        <a href="${basePath}/mobile">${view.mobile ? 'Change your mobile number' : 'Add a mobile number'}</a>
      </p>
      <h2>Email</h2>
      <p>${view.email ?? 'None on your account.'}</p>
      ${view.methods.map(({ method, held, enrollable }) =>
        method.credentials.view.section(ctx, held, enrollable),
      )}
      <h2>Temporary code</h2>
      ${
        view.temporaryCodeExpiresAt
          ? html`<p>
                A temporary code from your help desk is active until
                ${view.temporaryCodeExpiresAt.toISOString()}.
              </p>
              <form method="post" action="${basePath}/settings/temporary-code/expire">
                ${csrfField(csrf)}<button type="submit" class="secondary">Expire it now</button>
              </form>`
          : html`<p>No temporary code is active.</p>`
      }
      <form method="post" action="${basePath}/logout">
        ${csrfField(csrf)}<button type="submit" class="secondary">Sign out</button>
      </form>`,
  });
}
