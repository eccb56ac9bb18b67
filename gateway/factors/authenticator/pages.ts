/** The authenticator app's part of the settings page, and the page that sets one up. */
import { codeField, csrfField, html, page, SafeHtml } from '../../http/html.js';
import { t } from '../../i18n/index.js';
import { withTime } from '../../i18n/time.js';
import type { CredentialSummary, Enrolment, PageContext } from '../types.js';

export function authenticatorSection(
  ctx: PageContext,
  held: readonly CredentialSummary[],
  enrollable: boolean,
): SafeHtml {
  if (!enrollable) return html``;
  const action = `${ctx.basePath}/settings/authenticator`;
  const app = held[0];
  return html`<h2>${t('method.authenticator')}</h2>
    ${
      app
        ? html`<p>
              ${
                app.name
                  ? withTime('authenticator.held_on', app.createdAt, { device: app.name })
                  : t('authenticator.held')
              }
            </p>
            <p class="muted">${t('authenticator.means')}</p>
            <div class="actions">
              <form method="post" action="${action}">
                ${csrfField(ctx.csrf)}<input type="hidden" name="action" value="remove" /><button
                  type="submit"
                  class="secondary"
                >
                  ${t('authenticator.remove')}
                </button>
              </form>
              <form method="post" action="${action}">
                ${csrfField(ctx.csrf)}<button type="submit" class="secondary">
                  ${t('authenticator.set_up_new')}
                </button>
              </form>
            </div>
            <p class="muted">${t('authenticator.replaces')}</p>`
        : html`<p>${t('authenticator.pitch')}</p>
            <form method="post" action="${action}">
              ${csrfField(ctx.csrf)}<button type="submit">${t('authenticator.set_up')}</button>
            </form>`
    }`;
}

export function enrolPage(ctx: PageContext, enrolment: Enrolment, error?: string): string {
  const { qr_svg: qrSvg, secret } = enrolment.shown as { qr_svg: string; secret: string };
  return page({
    title: t('authenticator.set_up'),
    body: html`<h1>${t('authenticator.set_up')}</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <p>${t('authenticator.enrol.scan')}</p>
      <figure role="img" aria-label="${t('authenticator.enrol.qr')}">${new SafeHtml(qrSvg)}</figure>
      <p class="muted">${t('authenticator.enrol.key')} <code>${secret}</code></p>
      <form method="post" action="${ctx.basePath}/settings/authenticator">
        ${csrfField(ctx.csrf)}
        <label for="device">${t('authenticator.enrol.device')}</label>
        <input
          type="text"
          id="device"
          name="device"
          maxlength="64"
          autocomplete="off"
          aria-describedby="device-hint"
        />
        <p id="device-hint" class="muted">${t('authenticator.enrol.device_hint')}</p>
        ${codeField({ id: 'code', label: t('authenticator.enrol.code'), maxLength: 7 })}
        <button type="submit">${t('authenticator.enrol.submit')}</button>
      </form>
      <p><a href="${ctx.basePath}/settings">${t('authenticator.enrol.cancel')}</a></p>`,
  });
}
