/** The authenticator app's part of the settings page, and the page that sets one up. */
import { codeField, csrfField, html, page, SafeHtml } from '../../http/html.js';
import type { CredentialSummary, Enrolment, PageContext } from '../types.js';

export function authenticatorSection(
  ctx: PageContext,
  held: readonly CredentialSummary[],
  enrollable: boolean,
): SafeHtml {
  if (!enrollable) return html``;
  const action = `${ctx.basePath}/settings/authenticator`;
  const has = held.length > 0;
  return html`<h2>Authenticator app</h2>
    ${
      has
        ? html`<p>An authenticator app is set up.</p>
            <form method="post" action="${action}">
              ${csrfField(ctx.csrf)}<input type="hidden" name="action" value="remove" /><button
                type="submit"
                class="secondary"
              >
                Remove it
              </button>
            </form>`
        : html`<p>
            Use an app such as any standard authenticator to confirm it is you without waiting for a code.
          </p>`
    }
    <form method="post" action="${action}">
      ${csrfField(ctx.csrf)}<button type="submit">
        ${has ? 'Set up a new authenticator app' : 'Set up an authenticator app'}
      </button>
    </form>`;
}

export function enrolPage(ctx: PageContext, enrolment: Enrolment, error?: string): string {
  const { qr_svg: qrSvg, secret } = enrolment.shown as { qr_svg: string; secret: string };
  return page({
    title: 'Set up an authenticator app',
    body: html`<h1>Set up an authenticator app</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
      <figure role="img" aria-label="QR code for your authenticator app">${new SafeHtml(qrSvg)}</figure>
      <p class="muted">Cannot scan? Enter this key in the app: <code>${secret}</code></p>
      <form method="post" action="${ctx.basePath}/settings/authenticator">
        ${csrfField(ctx.csrf)} ${codeField({ id: 'code', label: 'Code from the app', maxLength: 7 })}
        <button type="submit">Turn on</button>
      </form>
      <p class="muted"><a href="${ctx.basePath}/settings">Cancel</a></p>`,
  });
}
