import { csrfField, html, page } from '../../http/html.js';
import { t } from '../../i18n/index.js';

export function loginPage(options: {
  action: string;
  csrfToken: string;
  returnTo: string;
  username?: string;
  error?: string;
  /** Where SAML is configured: the SP-initiated login URL for the identity-provider button. */
  samlLoginUrl?: string | undefined;
  /** Where OpenID Connect is configured: its login URL and the provider's name for the button. */
  oidcLogin?: { url: string; name: string } | undefined;
}): string {
  return page({
    title: t('login.title'),
    body: html`<h1>${t('login.title')}</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="${options.action}">
        ${csrfField(options.csrfToken)}
        <input type="hidden" name="return_to" value="${options.returnTo}" />
        <label for="username">${t('login.username')}</label>
        <input
          type="text"
          id="username"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          value="${options.username ?? ''}"
          ${options.username ? '' : html`autofocus`}
        />
        <label for="password">${t('login.password')}</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          ${options.username ? html`autofocus` : ''}
        />
        <button type="submit">${t('login.submit')}</button>
      </form>
      ${
        options.samlLoginUrl || options.oidcLogin
          ? html`<p class="muted">${t('login.or')}</p>
              ${
                options.samlLoginUrl
                  ? html`<p>
                      <a class="button secondary" href="${options.samlLoginUrl}">${t('login.with_idp')}</a>
                    </p>`
                  : ''
              }
              ${
                options.oidcLogin
                  ? html`<p>
                      <a class="button secondary" href="${options.oidcLogin.url}"
                        >${t('login.with', { name: options.oidcLogin.name })}</a
                      >
                    </p>`
                  : ''
              }`
          : ''
      }`,
  });
}

export function signedOutPage(loginUrl: string): string {
  return page({
    title: t('signed_out.title'),
    body: html`<h1>${t('signed_out.title')}</h1>
      <p role="status">${t('signed_out.text')}</p>
      <p><a href="${loginUrl}">${t('signed_out.again')}</a></p>`,
  });
}

/**
 * GET /logout: signing out changes state, so it takes a form post with the page's CSRF token; a
 * link from the application (the demo's, or any "Sign out" link) lands here and asks.
 */
export function signOutPage(options: { action: string; csrf: string; stayUrl: string }): string {
  return page({
    title: t('logout.title'),
    body: html`<h1>${t('logout.title')}</h1>
      <p>${t('logout.question')}</p>
      <div class="actions">
        <form method="post" action="${options.action}">
          ${csrfField(options.csrf)}<button type="submit">${t('logout.submit')}</button>
        </form>
        <p><a href="${options.stayUrl}">${t('logout.stay')}</a></p>
      </div>`,
  });
}
