import { codeField, csrfField, html, page, type SafeHtml } from '../../http/html.js';
import type { MethodId } from '../../factors/types.js';
import type { OfferedMethod } from './challenge.js';

const LABELS: Record<MethodId, string> = {
  sms: 'Text message',
  email: 'Email',
  authenticator: 'Authenticator app',
  temporary_code: 'Temporary code from your help desk',
};

function codeForm(basePath: string, csrf: string, method: MethodId, label: string): SafeHtml {
  return html`<form method="post" action="${basePath}/confirm/verify">
    ${csrfField(csrf)}
    <input type="hidden" name="method" value="${method}" />
    ${codeField({ id: `code-${method}`, label, maxLength: 14 })}
    <button type="submit">Confirm</button>
  </form>`;
}

function methodBlock(basePath: string, csrf: string, method: OfferedMethod): SafeHtml {
  if (method.id === 'sms' || method.id === 'email') {
    return html`<form method="post" action="${basePath}/confirm/send">
      ${csrfField(csrf)}
      <input type="hidden" name="method" value="${method.id}" />
      <button type="submit" class="secondary">
        ${method.id === 'sms' ? 'Text a code to' : 'Email a code to'} ${method.destination}
      </button>
    </form>`;
  }
  const label =
    method.id === 'authenticator' ? 'Code from your authenticator app' : 'Temporary code from your help desk';
  return codeForm(basePath, csrf, method.id, label);
}

export function confirmPage(options: {
  basePath: string;
  csrf: string;
  methods: OfferedMethod[];
  error?: string | undefined;
  notice?: string | undefined;
}): string {
  const { basePath, csrf, methods } = options;
  const body =
    methods.length === 0
      ? html`<p class="error" role="alert">
          There is no way to confirm your identity on your account yet. Ask your help desk for a temporary
          code.
        </p>`
      : html`<p>Choose how to confirm it is you.</p>
          ${methods.map(
            (m) =>
              html`<section aria-label="${LABELS[m.id]}">
                <h2>${LABELS[m.id]}</h2>
                ${methodBlock(basePath, csrf, m)}
              </section>`,
          )}`;
  return page({
    title: 'Confirm your identity',
    body: html`<h1>Confirm your identity</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''} ${body}
      <form method="post" action="${basePath}/logout">
        ${csrfField(csrf)}<button type="submit" class="secondary">Sign out</button>
      </form>`,
  });
}

export function enterCodePage(options: {
  basePath: string;
  csrf: string;
  method: 'sms' | 'email';
  destination: string;
  error?: string | undefined;
}): string {
  const { basePath, csrf, method, destination } = options;
  return page({
    title: 'Enter your code',
    body: html`<h1>Enter your code</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : html`<p class="notice" role="status">We sent a code to ${destination}.</p>`}
      ${codeForm(basePath, csrf, method, method === 'sms' ? 'Code from the text message' : 'Code from the email')}
      <p class="muted"><a href="${basePath}/confirm">Send a new code or choose another way</a></p>`,
  });
}
