/**
 * The challenge page, one method at a time as Keycloak and Authelia show it: the method to use
 * (first-method.ts), rendered from what it declares (factors/<method>/: its label and view), and
 * "Try another way" to a list of the others. Never two identical buttons on one page.
 */
import { csrfField, html, page, type SafeHtml } from '../../http/html.js';
import { isMessageKey, t } from '../../i18n/index.js';
import type { ConfirmationMethod, OfferedMethod, PageContext } from '../../factors/types.js';

export interface Offer {
  method: ConfirmationMethod;
  offered: OfferedMethod;
}

function signOut(ctx: PageContext): SafeHtml {
  return html`<form method="post" action="${ctx.basePath}/logout">
    ${csrfField(ctx.csrf)}<button type="submit" class="secondary">${t('confirm.sign_out')}</button>
  </form>`;
}

function messages(error?: string, notice?: string): SafeHtml {
  return html`${error ? html`<p class="error" role="alert">${error}</p>` : ''}
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}`;
}

/** The page for one method: its block, and the way to the others when there are any. */
export function confirmPage(options: {
  page: PageContext;
  shown: Offer | undefined;
  others: number;
  error?: string | undefined;
  notice?: string | undefined;
}): string {
  const { page: ctx, shown } = options;
  const body = shown
    ? html`<section aria-labelledby="method-heading">
        <h2 id="method-heading">${shown.method.label}</h2>
        ${shown.method.view.offer(ctx, shown.offered)}
      </section>`
    : html`<p class="error" role="alert">${t('confirm.none')}</p>`;
  return page({
    title: t('confirm.title'),
    body: html`<h1>${t('confirm.title')}</h1>
      ${messages(options.error, options.notice)} ${body}
      ${options.others > 0 ? html`<p><a href="${ctx.basePath}/confirm?choose=1">${t('confirm.another')}</a></p>` : ''}
      ${signOut(ctx)}`,
  });
}

/** What a method's entry in the list says besides its name: `method.<id>.choice`, when the catalogue has one. */
function choiceText(offer: Offer): string | undefined {
  const key = `method.${offer.method.id}.choice`;
  const destination = offer.offered.destination ?? '';
  if (isMessageKey(key)) return t(key, { destination });
  return offer.offered.destination;
}

/** "Try another way": every offered method, each a link to its page, the last used marked. */
export function choosePage(options: {
  page: PageContext;
  offers: readonly Offer[];
  lastUsed: string | undefined;
  notice?: string | undefined;
}): string {
  const { page: ctx } = options;
  return page({
    title: t('confirm.choose.title'),
    body: html`<h1>${t('confirm.choose.title')}</h1>
      ${messages(undefined, options.notice)}
      <ul class="choices">
        ${options.offers.map((offer) => {
          const text = choiceText(offer);
          return html`<li>
            <a href="${ctx.basePath}/confirm?method=${encodeURIComponent(offer.method.id)}"
              ><strong>${offer.method.label}</strong>${text ? html`<span>${text}</span>` : ''}${
                offer.method.id === options.lastUsed
                  ? html`<span class="muted">${t('confirm.choose.last_used')}</span>`
                  : ''
              }</a
            >
          </li>`;
        })}
      </ul>
      <p><a href="${ctx.basePath}/confirm">${t('confirm.choose.back')}</a></p>
      ${signOut(ctx)}`,
  });
}
