/**
 * What rendering a page needs from the request it answers, kept for the length of that request:
 * the language the page speaks, the organisation's branding, and where an error page logs the
 * reference it shows. Set once by the gateway's first middleware (app.ts), so a page, an error
 * or a method's view deep in a flow renders in the request's language without every function
 * between them passing it along. Outside a request (the CLI, a unit test) there is no scope:
 * English and the plain layout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../ports.js';
import type { Branding } from './branding.js';
import type { RedirectScope } from './redirects.js';
import type { Language } from '../i18n/index.js';

export interface RequestScope {
  language: Language;
  branding: Branding;
  /** Where error pages log the reference they show. */
  logger: Logger;
  /** stepgate's own path prefix, for the links a page makes on its own (the logo, error pages). */
  basePath: string;
  /** Where a page's link back to the application may point (server.public_url, allowed_return_hosts). */
  redirects: RedirectScope;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInScope<T>(scope: RequestScope, run: () => T): T {
  return storage.run(scope, run);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}
