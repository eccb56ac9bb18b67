/**
 * What passkeys show: a button on the challenge page, the page that asks the browser for the key,
 * the keys on the settings page and the page that adds one. The pages that talk to the key carry
 * the two scripts of browser.ts, allowed by this response's nonce; the form works only with them.
 */
import { csrfField, html, page, type SafeHtml } from '../../http/html.js';
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
  return html`<p id="webauthn-status" role="status">
      Your browser will ask for your passkey or security key.
    </p>
    <noscript
      ><p class="error">
        Passkeys need JavaScript: turn it on for this site, or choose another way.
      </p></noscript
    >
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
    <button type="submit">Use a passkey or security key</button>
  </form>`;
}

export function usePage(ctx: PageContext, keyOptions: unknown): string {
  return page({
    title: 'Use your passkey',
    body: html`<h1>Use your passkey</h1>
      ${ceremonyForm(ctx, {
        action: `${ctx.basePath}/confirm/verify`,
        ceremony: 'authenticate',
        keyOptions,
        fields: html`<input type="hidden" name="method" value="${WEBAUTHN}" />
          <button type="submit" disabled>Use your passkey</button>`,
      })}
      <p class="muted"><a href="${ctx.basePath}/confirm">Choose another way</a></p>
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
  return html`<h2>Passkeys and security keys</h2>
    ${
      held.length === 0
        ? html`<p>
            None yet. A passkey confirms it is you with your fingerprint, face, PIN or security key, and
            cannot be phished.
          </p>`
        : html`<ul>
            ${held.map(
              (key) =>
                html`<li>
                  ${key.name} · added ${day(key.createdAt)} ·
                  ${key.lastUsedAt ? html`last used ${day(key.lastUsedAt)}` : 'not used yet'}
                  <form method="post" action="${action}">
                    ${csrfField(ctx.csrf)}<input type="hidden" name="action" value="remove" /><input
                      type="hidden"
                      name="credential"
                      value="${key.id}"
                    /><button type="submit" class="secondary">Remove ${key.name}</button>
                  </form>
                </li>`,
            )}
          </ul>`
    }
    ${
      enrollable
        ? html`<form method="post" action="${action}">
            ${csrfField(ctx.csrf)}<button type="submit">Add a passkey or security key</button>
          </form>`
        : ''
    }`;
}

export function addPage(ctx: PageContext, keyOptions: unknown, error?: string): string {
  return page({
    title: 'Add a passkey or security key',
    body: html`<h1>Add a passkey or security key</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${ceremonyForm(ctx, {
        action: `${ctx.basePath}/settings/${WEBAUTHN}`,
        ceremony: 'register',
        keyOptions,
        fields: html`<label for="key-name">A name to tell it by</label>
          <input type="text" id="key-name" name="name" maxlength="64" autocomplete="off" />
          <button type="submit" disabled>Add it</button>`,
      })}
      <p class="muted"><a href="${ctx.basePath}/settings">Cancel</a></p>
      ${scripts(ctx)}`,
  });
}
