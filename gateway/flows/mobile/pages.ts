import { codeField, csrfField, html, page, type SafeHtml } from '../../http/html.js';
import type { MethodId } from '../../factors/types.js';
import type { DeclineOption } from './registration.js';

const CONTINUE_WITH: Partial<Record<MethodId, string>> = {
  email: 'Not now — continue with email',
  authenticator: 'Not now — continue with my authenticator app',
};

/** The way out of the prompt where there is one; where policy or the account rules it out, why not. */
function declineBlock(basePath: string, csrf: string, decline: DeclineOption): SafeHtml | string {
  if (decline.allowed) {
    return html`<form method="post" action="${basePath}/mobile/decline">
      ${csrfField(csrf)}<button type="submit" class="secondary">
        ${CONTINUE_WITH[decline.via] ?? 'Not now — continue without a mobile number'}
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
    title: 'Add your mobile number',
    body: html`<h1>Add your mobile number</h1>
      <p>We will text you a code to confirm it is you when you sign in from a new network.</p>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="${basePath}/mobile">
        ${csrfField(csrf)}
        <label for="phone">Mobile number</label>
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
        <p id="phone-hint" class="muted">In international format, starting with + and the country code.</p>
        <button type="submit">Text me a code</button>
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
    title: 'Enter the code we texted you',
    body: html`<h1>Enter the code we texted you</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : html`<p class="notice" role="status">We sent a code to ${options.destination}.</p>`}
      <form method="post" action="${basePath}/mobile/verify">
        ${csrfField(csrf)} ${codeField({ id: 'code', label: 'Code from the text message', maxLength: 14 })}
        <button type="submit">Verify number</button>
      </form>
      <p class="muted"><a href="${basePath}/mobile">Use a different number or send a new code</a></p>`,
  });
}
