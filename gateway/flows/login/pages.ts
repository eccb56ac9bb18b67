import { csrfField, html, page } from '../../http/html.js';

export function loginPage(options: {
  action: string;
  csrfToken: string;
  returnTo: string;
  username?: string;
  error?: string;
  /** Where SAML is configured: the SP-initiated login URL for the identity-provider button. */
  samlLoginUrl?: string | undefined;
  /** Where OpenID Connect is configured: its login URL and the button's words. */
  oidcLogin?: { url: string; label: string } | undefined;
}): string {
  return page({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="${options.action}">
        ${csrfField(options.csrfToken)}
        <input type="hidden" name="return_to" value="${options.returnTo}" />
        <label for="username">Username</label>
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
        <label for="password">Password</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          required
          ${options.username ? html`autofocus` : ''}
        />
        <button type="submit">Sign in</button>
      </form>
      ${
        options.samlLoginUrl || options.oidcLogin
          ? html`<p class="muted">or</p>
              ${
                options.samlLoginUrl
                  ? html`<p>
                      <a class="button" href="${options.samlLoginUrl}">Sign in with your identity provider</a>
                    </p>`
                  : ''
              }
              ${
                options.oidcLogin
                  ? html`<p>
                      <a class="button" href="${options.oidcLogin.url}">${options.oidcLogin.label}</a>
                    </p>`
                  : ''
              }`
          : ''
      }`,
  });
}

export function signedOutPage(loginUrl: string): string {
  return page({
    title: 'Signed out',
    body: html`<h1>Signed out</h1>
      <p>You have signed out.</p>
      <p><a href="${loginUrl}">Sign in again</a></p>`,
  });
}
