/**
 * What the methods answered with a typed code share on the challenge page: a labelled code field
 * that posts to /confirm/verify, a button that asks for a code to be sent, and the page that asks
 * for a code once it is on its way.
 */
import { codeField, csrfField, html, page, type SafeHtml } from '../http/html.js';
import type { MethodId, MethodView, OfferedMethod, PageContext } from './types.js';

/** A code in a request body (SPEC §4 `{method, code}`): a non-empty string, else nothing. */
export function readCode(body: unknown): string | undefined {
  const code = (body as Record<string, unknown> | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

export const MISSING_CODE = 'Enter the code.';

export function codeForm(ctx: PageContext, method: string, label: string): SafeHtml {
  return html`<form method="post" action="${ctx.basePath}/confirm/verify">
    ${csrfField(ctx.csrf)}
    <input type="hidden" name="method" value="${method}" />
    ${codeField({ id: `code-${method}`, label, maxLength: 14 })}
    <button type="submit">Confirm</button>
  </form>`;
}

/** A method answered straight away with a code the person already has (an app, a help desk's code). */
export function typedCodeView(label: string): MethodView {
  return { offer: (ctx, method) => codeForm(ctx, method.id, label) };
}

/**
 * A method that sends a code first: a button to send it, then a page to type it in, shown again
 * with the error after a wrong code.
 */
export function sentCodeView(id: MethodId, texts: { send: string; field: string }): MethodView {
  return {
    offer: (ctx: PageContext, method: OfferedMethod) =>
      html`<form method="post" action="${ctx.basePath}/confirm/send">
        ${csrfField(ctx.csrf)}
        <input type="hidden" name="method" value="${method.id}" />
        <button type="submit" class="secondary">${texts.send} ${method.destination}</button>
      </form>`,
    answer: (ctx, state) => {
      if (state.destination === undefined) return undefined;
      return enterCodePage(ctx, {
        id,
        label: texts.field,
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
  return page({
    title: 'Enter your code',
    body: html`<h1>Enter your code</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : html`<p class="notice" role="status">We sent a code to ${options.destination}.</p>`}
      ${codeForm(ctx, options.id, options.label)}
      <p class="muted"><a href="${ctx.basePath}/confirm">Send a new code or choose another way</a></p>`,
  });
}
