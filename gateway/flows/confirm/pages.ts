/**
 * The challenge page: one section per offered method, each rendered from what the method
 * declares (factors/<method>/: its label and view).
 */
import { csrfField, html, page } from '../../http/html.js';
import type { ConfirmationMethod, OfferedMethod, PageContext } from '../../factors/types.js';

export interface Offer {
  method: ConfirmationMethod;
  offered: OfferedMethod;
}

export function confirmPage(options: {
  page: PageContext;
  offers: readonly Offer[];
  error?: string | undefined;
  notice?: string | undefined;
}): string {
  const { page: ctx, offers } = options;
  const body =
    offers.length === 0
      ? html`<p class="error" role="alert">
          There is no way to confirm your identity on your account yet. Ask your help desk for a temporary
          code.
        </p>`
      : html`<p>Choose how to confirm it is you.</p>
          ${offers.map(
            ({ method, offered }) =>
              html`<section aria-label="${method.label}">
                <h2>${method.label}</h2>
                ${method.view.offer(ctx, offered)}
              </section>`,
          )}`;
  return page({
    title: 'Confirm your identity',
    body: html`<h1>Confirm your identity</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      ${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''} ${body}
      <form method="post" action="${ctx.basePath}/logout">
        ${csrfField(ctx.csrf)}<button type="submit" class="secondary">Sign out</button>
      </form>`,
  });
}
