import { codeField, csrfField, html, page, type SafeHtml } from '../../http/html.js';
import { t, type MessageKey } from '../../i18n/index.js';
import type { MethodId } from '../../factors/types.js';
import type { DeclineOption } from './registration.js';

const CONTINUE_WITH: Partial<Record<MethodId, MessageKey>> = {
  email: 'mobile.decline.email',
  authenticator: 'mobile.decline.authenticator',
};

/** The way out of the prompt where there is one; where policy or the account rules it out, why not. */
function declineBlock(basePath: string, csrf: string, decline: DeclineOption): SafeHtml | string {
  if (decline.allowed) {
    return html`<form method="post" action="${basePath}/mobile/decline">
      ${csrfField(csrf)}<button type="submit" class="secondary">
        ${t(CONTINUE_WITH[decline.via] ?? 'mobile.decline.other')}
      </button>
    </form>`;
  }
  return decline.reason ? html`<p class="muted">${decline.reason.message}</p>` : '';
}

export function mobilePage(options: {
  basePath: string;
  csrf: string;
  decline: DeclineOption;
  phone?: string | undefined;
  error?: string | undefined;
}): string {
  const { basePath, csrf } = options;
  return page({
    title: t('mobile.title'),
    body: html`<h1>${t('mobile.title')}</h1>
      <p>${t('mobile.why')}</p>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="${basePath}/mobile">
        ${csrfField(csrf)}
        <label for="phone">${t('mobile.label')}</label>
        <input
          type="tel"
          id="phone"
          name="phone"
          autocomplete="tel"
          inputmode="tel"
          placeholder="+44 7400 123456"
          required
          value="${options.phone ?? ''}"
          aria-describedby="phone-hint"
        />
        <p id="phone-hint" class="muted">${t('mobile.hint')}</p>
        <button type="submit">${t('mobile.send')}</button>
      </form>
      ${declineBlock(basePath, csrf, options.decline)}`,
  });
}

export function mobileCodePage(options: {
  basePath: string;
  csrf: string;
  destination: string;
  error?: string | undefined;
}): string {
  const { basePath, csrf } = options;
  return page({
    title: t('mobile.code.title'),
    body: html`<h1>${t('mobile.code.title')}</h1>
      ${
        options.error
          ? html`<p class="error" role="alert">${options.error}</p>`
          : html`<p class="notice" role="status">
              ${t('mobile.code.sent', { destination: options.destination })}
            </p>`
      }
      <form method="post" action="${basePath}/mobile/verify">
        ${csrfField(csrf)} ${codeField({ id: 'code', label: t('mobile.code.label'), maxLength: 14 })}
        <button type="submit">${t('mobile.code.submit')}</button>
      </form>
      <p><a href="${basePath}/mobile">${t('mobile.code.again')}</a></p>`,
  });
}
