import { codeField, csrfField, html, page, SafeHtml } from '../../http/html.js';

export interface SettingsView {
  user: string;
  mobile?: string | undefined;
  email?: string | undefined;
  hasAuthenticator: boolean;
  temporaryCodeExpiresAt?: Date | undefined;
  authenticatorEnabled: boolean;
}

export function settingsPage(options: {
  basePath: string;
  csrf: string;
  view: SettingsView;
  notice?: string;
  error?: string;
}): string {
  const { basePath, csrf, view } = options;
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
      ${
        view.authenticatorEnabled
          ? html`<h2>Authenticator app</h2>
              ${
                view.hasAuthenticator
                  ? html`<p>An authenticator app is set up.</p>
                      <form method="post" action="${basePath}/settings/authenticator">
                        ${csrfField(csrf)}<input type="hidden" name="action" value="remove" /><button
                          type="submit"
                          class="secondary"
                        >
                          Remove it
                        </button>
                      </form>`
                  : html`<p>
                      Use an app such as any standard authenticator to confirm it is you without waiting for a
                      code.
                    </p>`
              }
              <form method="post" action="${basePath}/settings/authenticator">
                ${csrfField(csrf)}<button type="submit">
                  ${view.hasAuthenticator ? 'Set up a new authenticator app' : 'Set up an authenticator app'}
                </button>
              </form>`
          : ''
      }
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

export function enrollPage(options: {
  basePath: string;
  csrf: string;
  qrSvg: string;
  secret: string;
  error?: string | undefined;
}): string {
  const { basePath, csrf } = options;
  return page({
    title: 'Set up an authenticator app',
    body: html`<h1>Set up an authenticator app</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
      <figure role="img" aria-label="QR code for your authenticator app">
        ${new SafeHtml(options.qrSvg)}
      </figure>
      <p class="muted">Cannot scan? Enter this key in the app: <code>${options.secret}</code></p>
      <form method="post" action="${basePath}/settings/authenticator">
        ${csrfField(csrf)} ${codeField({ id: 'code', label: 'Code from the app', maxLength: 7 })}
        <button type="submit">Turn on</button>
      </form>
      <p class="muted"><a href="${basePath}/settings">Cancel</a></p>`,
  });
}
