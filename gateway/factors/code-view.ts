/**
 * What the methods answered with a typed code share on the challenge page: a labelled code field
 * that posts to /confirm/verify, a button that asks for a code to be sent, and the page that asks
 * for a code once it is on its way. Texts come from the message catalogue, by the keys a method
 * names, in the language of the request that renders them.
 */
import { codeField, csrfField, html, page, type SafeHtml } from '../http/html.js';
import { t, type MessageKey } from '../i18n/index.js';
import type { MethodId, MethodView, OfferedMethod, PageContext } from './types.js';

/** A code in a request body (SPEC §4 `{method, code}`): a non-empty string, else nothing. */
export function readCode(body: unknown): string | undefined {
  const code = (body as Record<string, unknown> | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

/** What to say when the code is missing, in the request's language (a method's `missingAnswer`). */
export function missingCode(): string {
  return t('error.enter_code');
}

export function codeForm(ctx: PageContext, method: string, label: string): SafeHtml {
  return html`<form method="post" action="${ctx.basePath}/confirm/verify">
    ${csrfField(ctx.csrf)}
    <input type="hidden" name="method" value="${method}" />
    ${codeField({ id: `code-${method}`, label, maxLength: 14 })}
    <button type="submit">${t('code.submit')}</button>
  </form>`;
}

/** A method answered straight away with a code the person already has (an app, a help desk's code). */
export function typedCodeView(field: MessageKey): MethodView {
  return { offer: (ctx, method) => codeForm(ctx, method.id, t(field)) };
}

/**
 * A method that sends a code first: a button to send it (`send` names `{destination}`), then a
 * page to type it in, shown again with the error after a wrong code.
 */
export function sentCodeView(id: MethodId, texts: { send: MessageKey; field: MessageKey }): MethodView {
  return {
    offer: (ctx: PageContext, method: OfferedMethod) =>
      html`<form method="post" action="${ctx.basePath}/confirm/send">
        ${csrfField(ctx.csrf)}
        <input type="hidden" name="method" value="${method.id}" />
        <button type="submit">${t(texts.send, { destination: method.destination ?? '' })}</button>
      </form>`,
    answer: (ctx, state) => {
      if (state.destination === undefined) return undefined;
      return enterCodePage(ctx, {
        id,
        label: t(texts.field),
        destination: state.destination,
        error: state.error,
      });
    },
  };
}

function enterCodePage(
  ctx: PageContext,
  options: { id: MethodId; label: string; destination: string; error?: string | undefined },
): string {
  const confirm = `${ctx.basePath}/confirm`;
  return page({
    title: t('code.title'),
    body: html`<h1>${t('code.title')}</h1>
      ${
        options.error
          ? html`<p class="error" role="alert">${options.error}</p>`
          : html`<p class="notice" role="status">${t('code.sent', { destination: options.destination })}</p>`
      }
      ${codeForm(ctx, options.id, options.label)}
      <ul class="actions">
        <li><a href="${confirm}?method=${encodeURIComponent(options.id)}">${t('code.resend')}</a></li>
        <li><a href="${confirm}?choose=1">${t('confirm.another')}</a></li>
      </ul>`,
  });
}
