/**
 * What passkeys show: a button on the challenge page, the page that asks the browser for the key,
 * the keys on the settings page and the page that adds one. The pages that talk to the key carry
 * the two scripts of browser.ts, allowed by this response's nonce; the form works only with them.
 * The script's own texts come in the request's language as data- attributes of the status line,
 * so the script served to every page stays one file and says nothing in a language of its own.
 */
import { csrfField, html, page, type SafeHtml } from '../../http/html.js';
import { t } from '../../i18n/index.js';
import type { CredentialSummary, PageContext } from '../types.js';

export const WEBAUTHN = 'webauthn';

function scripts(ctx: PageContext): SafeHtml {
  const nonce = ctx.scriptNonce();
  const base = `${ctx.basePath}/methods/${WEBAUTHN}`;
  return html`<script nonce="${nonce}" src="${base}/simplewebauthn-browser.js"></script>
    <script nonce="${nonce}" src="${base}/webauthn.js"></script>`;
}

/** The form the page script drives: the options in, the browser's answer out in `response`. */
function ceremonyForm(
  ctx: PageContext,
  options: { action: string; ceremony: 'register' | 'authenticate'; keyOptions: unknown; fields: SafeHtml },
): SafeHtml {
  return html`<p
      id="webauthn-status"
      role="status"
      data-unsupported="${t('webauthn.status.unsupported')}"
      data-asking="${t('webauthn.status.asking')}"
      data-failed="${t('webauthn.status.failed')}"
    >
      ${t('webauthn.status.ask')}
    </p>
    <noscript><p class="error">${t('webauthn.noscript')}</p></noscript>
    <form
      id="webauthn-form"
      method="post"
      action="${options.action}"
      data-ceremony="${options.ceremony}"
      data-options="${JSON.stringify(options.keyOptions)}"
    >
      ${csrfField(ctx.csrf)}
      <input type="hidden" name="response" value="" />
      ${options.fields}
    </form>`;
}

export function offerBlock(ctx: PageContext): SafeHtml {
  return html`<form method="post" action="${ctx.basePath}/confirm/send">
    ${csrfField(ctx.csrf)}
    <input type="hidden" name="method" value="${WEBAUTHN}" />
    <button type="submit">${t('webauthn.offer')}</button>
  </form>`;
}

export function usePage(ctx: PageContext, keyOptions: unknown): string {
  return page({
    title: t('webauthn.use.title'),
    body: html`<h1>${t('webauthn.use.title')}</h1>
      ${ceremonyForm(ctx, {
        action: `${ctx.basePath}/confirm/verify`,
        ceremony: 'authenticate',
        keyOptions,
        fields: html`<input type="hidden" name="method" value="${WEBAUTHN}" />
          <button type="submit" disabled>${t('webauthn.use.submit')}</button>`,
      })}
      <p class="muted"><a href="${ctx.basePath}/confirm">${t('webauthn.use.another')}</a></p>
      ${scripts(ctx)}`,
  });
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export function keysSection(
  ctx: PageContext,
  held: readonly CredentialSummary[],
  enrollable: boolean,
): SafeHtml {
  if (!enrollable && held.length === 0) return html``;
  const action = `${ctx.basePath}/settings/${WEBAUTHN}`;
  return html`<h2>${t('webauthn.keys.title')}</h2>
    ${
      held.length === 0
        ? html`<p>${t('webauthn.keys.none')}</p>`
        : html`<ul>
            ${held.map(
              (key) =>
                html`<li>
                  ${key.name} · ${t('webauthn.keys.added', { date: day(key.createdAt) })} ·
                  ${
                    key.lastUsedAt
                      ? t('webauthn.keys.last_used', { date: day(key.lastUsedAt) })
                      : t('webauthn.keys.not_used')
                  }
                  <form method="post" action="${action}">
                    ${csrfField(ctx.csrf)}<input type="hidden" name="action" value="remove" /><input
                      type="hidden"
                      name="credential"
                      value="${key.id}"
                    /><button type="submit" class="secondary">
                      ${t('webauthn.keys.remove', { name: key.name ?? '' })}
                    </button>
                  </form>
                </li>`,
            )}
          </ul>`
    }
    ${
      enrollable
        ? html`<form method="post" action="${action}">
            ${csrfField(ctx.csrf)}<button type="submit">${t('webauthn.keys.add')}</button>
          </form>`
        : ''
    }`;
}

export function addPage(ctx: PageContext, keyOptions: unknown, error?: string): string {
  return page({
    title: t('webauthn.add.title'),
    body: html`<h1>${t('webauthn.add.title')}</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${ceremonyForm(ctx, {
        action: `${ctx.basePath}/settings/${WEBAUTHN}`,
        ceremony: 'register',
        keyOptions,
        fields: html`<label for="key-name">${t('webauthn.add.name')}</label>
          <input type="text" id="key-name" name="name" maxlength="64" autocomplete="off" />
          <button type="submit" disabled>${t('webauthn.add.submit')}</button>`,
      })}
      <p class="muted"><a href="${ctx.basePath}/settings">${t('webauthn.add.cancel')}</a></p>
      ${scripts(ctx)}`,
  });
}
