/**
 * The page a browser sees when stepgate cannot do what it asked: what happened (the error's own
 * sentence), the next sensible step as a link, and a reference that finds the log line written
 * with it. Never a dead end: whoever lands here can go on signing in, back to the application,
 * or try again.
 */
import { randomInt } from 'node:crypto';
import type { Request } from 'express';
import type { GatewayError } from '../errors.js';
import { t, type MessageKey } from '../i18n/index.js';
import { safeReturnTo } from './redirects.js';
import { html, page, type SafeHtml } from './html.js';
import type { RequestScope } from './scope.js';

// Crockford's base 32 without I, L, O and U: a reference read out over the phone is not misheard.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A short id for one error, shown on its page and written in its log line: 'K7Q2-9XMD'. */
export function newReference(): string {
  const chars = Array.from({ length: 8 }, () => REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

function titleKey(error: GatewayError): MessageKey {
  if (error.code === 'sign_in_required') return 'error.title.sign_in';
  if (error.code === 'confirmation_required') return 'error.title.confirm';
  if (error.code === 'invalid_csrf_token') return 'error.title.expired_form';
  if (error.status === 401) return 'error.title.sign_in_failed';
  if (error.status === 403) return 'error.title.forbidden';
  if (error.status === 404) return 'error.title.not_found';
  if (error.status === 423) return 'error.title.locked';
  if (error.status === 429) return 'error.title.too_many';
  if (error.status >= 500) return 'error.title.service';
  return 'error.title.cannot_continue';
}

interface Link {
  href: string;
  text: string;
}

/** Where this person can go from here, most useful first. */
function nextSteps(req: Request, error: GatewayError, scope: RequestScope): Link[] {
  const { basePath } = scope;
  const links: Link[] = [];
  const again = req.method === 'GET' ? req.originalUrl : undefined;
  if (error.status >= 500 && again) links.push({ href: again, text: t('error.next.try_again') });
  const auth = req.session?.auth;
  if (!auth) {
    if (error.status < 500 && error.status !== 404) {
      const returnTo = again ? `?return_to=${encodeURIComponent(again)}` : '';
      links.push({ href: `${basePath}/login${returnTo}`, text: t('error.next.sign_in') });
    }
  } else if (auth.stage === 'confirming') {
    links.push({ href: `${basePath}/confirm`, text: t('error.next.confirm') });
  } else if (auth.stage === 'registering_mobile') {
    links.push({ href: `${basePath}/mobile`, text: t('error.next.continue_sign_in') });
  } else {
    links.push({ href: `${basePath}/settings`, text: t('error.next.settings') });
  }
  const home = auth && (auth.stage === 'confirmed' || auth.stage === 'skipped');
  const application = home ? safeReturnTo(req.session.returnTo, scope.redirects) : '/';
  if (error.status === 404 || home) links.push({ href: application, text: t('error.next.application') });
  if (auth) links.push({ href: `${basePath}/logout`, text: t('error.next.sign_out') });
  return links;
}

export function errorPage(options: {
  req: Request;
  error: GatewayError;
  /** Without one (outside a request's scope), the page has no links. */
  scope: RequestScope | undefined;
  reference?: string | undefined;
}): string {
  const { req, error, scope, reference } = options;
  const title = t(titleKey(error));
  const links = scope ? nextSteps(req, error, scope) : [];
  const steps: SafeHtml = html`<ul class="actions" aria-label="${t('error.next.label')}">
    ${links.map((link) => html`<li><a href="${link.href}">${link.text}</a></li>`)}
  </ul>`;
  return page({
    title,
    body: html`<h1>${title}</h1>
      <p class="error" role="alert">${error.message}</p>
      ${links.length > 0 ? steps : ''}
      ${reference ? html`<p class="muted">${t('error.reference', { reference })}</p>` : ''}`,
  });
}
