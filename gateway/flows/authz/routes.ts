/**
 * The verification endpoints (SPEC §4): a proxy in front of the application (nginx, Caddy,
 * Traefik, Envoy) asks, per request, whether it may go through and as whom, and does the proxying
 * itself. Each answers its proxy's protocol with the built-in proxy's decisions (decide.ts):
 *
 * - `GET /authz/auth-request` (nginx auth_request): 200 with the identity headers; 401 when the
 *   person must sign in (with `Location`, the sign-in page, for nginx's error_page to redirect a
 *   browser to); 403 when they may not pass.
 * - `GET /authz/forward-auth` (Traefik ForwardAuth, Caddy forward_auth) and `ANY
 *   /authz/ext-authz/*` (Envoy ext_authz, HTTP): 200 with the identity headers; a browser is sent
 *   to sign in (302), an API client gets 401 JSON; 403 when they may not pass. The proxy hands a
 *   non-2xx answer to the client as it is.
 *
 * docs/forward-auth.md has each proxy's configuration; docs/authz-api.yaml the contract.
 */
import type { ServerResponse } from 'node:http';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { errors, type GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import { errorHandler, sendError } from '../../http/error-handler.js';
import { normalizeIp } from '../../http/client.js';
import { wantsJson } from '../../http/negotiate.js';
import { safeReturnTo } from '../../http/redirects.js';
import { clientOf, type GatewayContext } from '../../context.js';
import type { SignedInUser } from '../../sessions.js';
import { identityHeaders } from '../proxy/headers.js';
import { signInPage } from '../next-step.js';
import { authzDecider, type Verdict } from './decide.js';
import {
  fromExtAuthz,
  fromForwardedHeaders,
  fromOriginalUrl,
  originalUrl,
  untrustedProxy,
  type AuthzProtocol,
  type OriginalRequest,
} from './original.js';

export const AUTHZ_PATHS = {
  authRequest: '/authz/auth-request',
  forwardAuth: '/authz/forward-auth',
  extAuthz: '/authz/ext-authz',
} as const;

/** A public path's answer: through, naming nobody. */
const ALLOWED_ANONYMOUS: readonly string[] = ['Cache-Control', 'no-store', 'Content-Length', '0'];
/** Each shared, frozen session's answer (as identityHeaders keeps its headers), made once. */
const allowedAnswers = new WeakMap<SignedInUser, readonly string[]>();

function allowedHead(auth: SignedInUser | undefined): readonly string[] {
  if (auth === undefined) return ALLOWED_ANONYMOUS;
  let head = allowedAnswers.get(auth);
  if (head === undefined) {
    head = [...ALLOWED_ANONYMOUS, ...identityHeaders(auth)];
    if (Object.isFrozen(auth)) allowedAnswers.set(auth, head);
  }
  return head;
}

/**
 * 200, with the identity for the proxy to pass on (none for a public path), and no body. The
 * head is written whole, with its length: nginx reads no body of its auth subrequest's answer, so
 * a chunked one (express-session's, when the store saves asynchronously) costs it the connection,
 * and the next question a new one. Headers the Express routes set before (a renewed cookie) stay.
 */
export function answerAllowed(res: ServerResponse, auth: SignedInUser | undefined): void {
  const head = allowedHead(auth);
  if (res.getHeaderNames().length === 0) {
    // writeHead takes its list as it is (Node checks each name and value once more).
    res.writeHead(200, head as string[]);
  } else {
    res.statusCode = 200;
    for (let i = 0; i < head.length; i += 2) res.setHeader(head[i] as string, head[i + 1] as string);
  }
  res.end();
}

export interface AuthzOptions {
  isTrustedProxy(ip: string): boolean;
  /** The entry point of a host name (lower case, without port). */
  entryPointOf(hostname: string): string;
}

export function authzRoutes(ctx: GatewayContext, options: AuthzOptions): Router {
  const router = Router({ caseSensitive: true });
  const { config, ports, basePath } = ctx;
  const publicOrigin = new URL(config.server.public_url).origin;
  const defaultProto = publicOrigin.startsWith('https:') ? 'https' : 'http';
  const decider = authzDecider(ctx, options.entryPointOf);
  const extAuthzPrefix = `${basePath}${AUTHZ_PATHS.extAuthz}`.toLowerCase();

  /** The sign-in page (or the step still due) on public_url, with the original URL to come back to. */
  function signInUrl(auth: SignedInUser | undefined, original: OriginalRequest): string {
    const page = `${publicOrigin}${signInPage(ctx, auth)}`;
    // Another host than ours or an allowed one: the person lands on the default page instead.
    const returnTo = safeReturnTo(originalUrl(original), config.server, '', ports.logger);
    return returnTo === '' ? page : `${page}?return_to=${encodeURIComponent(returnTo)}`;
  }

  function answer(
    protocol: AuthzProtocol,
    req: Request,
    res: Response,
    original: OriginalRequest,
    verdict: Verdict,
  ) {
    if (verdict.kind === 'allow') return answerAllowed(res, verdict.auth);
    res.set('Cache-Control', 'no-store');
    if (verdict.kind === 'deny') {
      ports.logger.info('forward-auth denied', { host: original.hostname, code: verdict.error.code });
      return sendError(req, res, verdict.error);
    }
    const error: GatewayError = verdict.auth ? errors.confirmationRequired() : errors.signInRequired();
    const location = signInUrl(verdict.auth, original);
    if (protocol === 'auth-request') {
      // nginx answers the client itself; the Location is for its error_page to send a browser to.
      if (!wantsJson(req)) res.set('Location', location);
      return sendError(req, res, error);
    }
    if (wantsJson(req)) return sendError(req, res, error);
    res.redirect(302, location);
  }

  function verify(protocol: AuthzProtocol, read: (req: Request) => OriginalRequest): RequestHandler {
    return async (req, res, next) => {
      try {
        const peer = normalizeIp(req.socket.remoteAddress ?? '');
        if (!options.isTrustedProxy(peer)) {
          ports.logger.warn('verification request from a peer not in server.trusted_proxies', {
            peer,
            protocol,
          });
          return sendError(req, res, untrustedProxy());
        }
        const original = read(req);
        const verdict = await decider.decide(original, req.session?.auth, clientOf(req).ip);
        answer(protocol, req, res, original, verdict);
      } catch (error) {
        next(error);
      }
    };
  }

  /** For ext_authz, the original path is what follows the prefix in the target as it came. */
  function extAuthzRest(req: Request): string {
    const url = req.originalUrl;
    if (!url.toLowerCase().startsWith(extAuthzPrefix)) {
      throw errors.badRequest('invalid_original_request', t('error.authz.ext_authz_prefix'));
    }
    return url.slice(extAuthzPrefix.length);
  }

  router.get(
    AUTHZ_PATHS.authRequest,
    verify('auth-request', (req) => fromOriginalUrl(req.headers)),
  );
  router.get(
    AUTHZ_PATHS.forwardAuth,
    verify('forward-auth', (req) => fromForwardedHeaders(req.headers, defaultProto)),
  );
  router.all(
    `${AUTHZ_PATHS.extAuthz}{/*rest}`,
    verify('ext-authz', (req) => fromExtAuthz(req.method, extAuthzRest(req), req.headers, defaultProto)),
  );
  router.use('/authz', (_req, _res, next) => next(errors.notFound()));
  router.use(errorHandler(ports.logger));
  return router;
}
