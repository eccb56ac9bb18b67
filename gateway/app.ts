/**
 * Builds the gateway from a resolved config, the live policy and a set of ports. Nothing here
 * picks an adapter: bin/stepgate.ts does.
 */
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import { relyingParty, type Config } from '../config/schema.js';
import type { PolicySource, GatewayContext } from './context.js';
import { setClient } from './context.js';
import { errors, type GatewayError } from './errors.js';
import { clientLearner } from './http/client.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler, logUnexpected } from './http/error-handler.js';
import { securityHeaders, securityHeadersOnError } from './http/security-headers.js';
import { assetRoutes } from './http/assets.js';
import { loadBranding, type Branding } from './http/branding.js';
import { runInScope } from './http/scope.js';
import { negotiateLanguage } from './i18n/index.js';
import type { Ports } from './ports.js';
import { NetworkSet } from '../policies/cidr.js';
import { healthRoutes } from './flows/health/routes.js';
import { passwordAuthenticator } from './flows/login/authenticate.js';
import { loginRoutes } from './flows/login/routes.js';
import { confirmRoutes } from './flows/confirm/routes.js';
import { mobileRoutes } from './flows/mobile/routes.js';
import { settingsRoutes } from './flows/settings/routes.js';
import { ACS_PATH, samlRoutes } from './flows/saml/routes.js';
import { oidcRoutes } from './flows/oidc/routes.js';
import { ownCookie, secureCookies } from './http/session-cookie.js';
import { stepgateCookies, warnTossed, withoutCookie } from './http/cookie-names.js';
import { sidecarRoutes } from './flows/sidecar/api.js';
import { buildFactors } from './factors/index.js';
import { upstreamProxy } from './flows/proxy/proxy.js';
import { fastSession, proxyFastPath, type HandOver } from './flows/proxy/fast-path.js';
import { ownPaths, pathOf } from './flows/proxy/public-paths.js';
import { AdminService } from './admin/service.js';
import { carriesApiToken, TokenRegistry } from './admin/tokens.js';
import { adminApiRoutes } from './flows/admin/api.js';
import { GatewayMetrics, countingHistory } from './metrics.js';
import { AccountNotices, RevokeLinks } from './notices/index.js';
import { noticeRoutes } from './flows/notices/routes.js';
import { adminPageRoutes } from './flows/admin/routes.js';
import { authzRoutes } from './flows/authz/routes.js';
import { authzFastPath } from './flows/authz/fast-path.js';
import {
  isForwardable,
  pastAbsoluteTimeout,
  regenerateSession,
  sessionStoreUnavailable,
  type SignedInUser,
} from './sessions.js';

export interface Gateway {
  /**
   * The request listener for an http server (or supertest): proxied requests of confirmed
   * sessions are forwarded straight away, everything else goes to the Express app.
   */
  handler: RequestListener;
  /** Attach to the http server: forwards WebSocket upgrades for signed-in sessions. */
  attach(server: Server): void;
  close(): void;
}

function sessionMiddleware(config: Config, ports: Ports, metrics: GatewayMetrics): RequestHandler {
  const middleware = session({
    name: config.session.cookie_name,
    secret: config.session.secret,
    store: ports.sessions,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // Not 'destroy': express-session would then destroy, at the end of the response, every
    // session it could not load (Redis down or hung). That destroy waits on Redis again (doubling
    // the 503's wait), re-enters Express with its error after the 503 was sent, which ends the
    // keep-alive connection, and, once Redis answers, signs out a user who only loaded a page.
    // Sessions end through destroySession (sign-out) and their expiry, never by being unset.
    unset: 'keep',
    // Decides only whether a Secure cookie may be sent on this request (TLS usually ends at a
    // proxy in front); the browser itself never returns a Secure cookie over plain HTTP.
    proxy: true,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: secureCookies(config.server.public_url),
      domain: config.session.cookie_domain || undefined,
      maxAge: config.session.idle_timeout,
    },
  });
  const name = config.session.cookie_name;
  const domain = config.session.cookie_domain || undefined;
  const secure = secureCookies(config.server.public_url);
  // express-session hands every store error to `next`, also one from saving after the response
  // was sent; the error handler then only ends it.
  return (req, res, next) => {
    // Two session cookies: one may be a sibling host's, tossed in to have this browser use the
    // attacker's session (http/cookie-names.ts). Neither is used, so the request has no session;
    // both places ours may be are cleared, which also heals a cookie left from another
    // cookie_domain. A sibling's cookie under another Path stays, and keeps the browser signed out.
    if (req.headers.cookie !== undefined && ownCookie(req.headers.cookie, name).twice) {
      warnTossed(ports.logger, name, 'no session');
      req.headers.cookie = withoutCookie(req.headers.cookie, name);
      // A WebSocket upgrade's stand-in response (attach, below) can set no cookie.
      if (typeof res.clearCookie === 'function') {
        res.clearCookie(name, { path: '/', secure });
        if (domain !== undefined) res.clearCookie(name, { path: '/', secure, domain });
      }
    }
    middleware(req, res, (error?: unknown) =>
      error ? next(sessionStoreUnavailable({ logger: ports.logger, metrics }, error)) : next(),
    );
  };
}

export async function createGateway(options: {
  config: Config;
  policy: PolicySource;
  ports: Ports;
  /** Where GET /metrics reads from; by default a registry of this gateway's own, without process metrics. */
  metrics?: GatewayMetrics;
}): Promise<Gateway> {
  const { config, policy } = options;
  const metrics = options.metrics ?? new GatewayMetrics();
  const ports: Ports = { ...options.ports, store: countingHistory(options.ports.store, metrics) };
  const basePath = config.server.base_path;
  const trustedProxies = new NetworkSet(config.server.trusted_proxies);
  const entryPointByHost = new Map<string, string>();
  for (const [name, entry] of Object.entries(config.server.entry_points)) {
    for (const host of entry.hosts) entryPointByHost.set(host.toLowerCase(), name);
  }
  const entryPointOf = (host: string) => entryPointByHost.get(host) ?? 'standard';

  const isTrustedProxy = (ip: string) => trustedProxies.has(ip);
  const branding = await loadBranding(config.branding, basePath);
  const headers = securityHeaders({
    publicUrl: config.server.public_url,
    allowedReturnHosts: config.server.allowed_return_hosts,
    styleHashes: branding.styleHashes,
    imageSources: branding.imageSources,
    isTrustedProxy,
  });
  // Stores nothing per visitor: an anonymous page load costs no session (see http/csrf.ts).
  const cookieNames = stepgateCookies(config.session, config.server.public_url);
  const csrf = csrfProtection({
    secret: config.session.secret,
    cookieName: cookieNames.csrf,
    cookiePath: cookieNames.path(basePath),
    cookieDomain: config.session.cookie_domain || undefined,
    secure: secureCookies(config.server.public_url),
    logger: ports.logger,
    // SPEC §4: a JSON body cannot be sent cross-site without CORS, which we never allow.
    // The SAML ACS is posted by the IdP from its own origin; the signed response protects it.
    // A bearer token for the token APIs is no ambient credential: no other site can set that header.
    // The sidecar API never reads a session: a request without its token is refused there, as a 401.
    skip: (req) =>
      Boolean(req.is('application/json')) ||
      req.path === ACS_PATH ||
      req.path.startsWith('/sidecar/v1/') ||
      carriesApiToken(req),
  });

  const notices = new AccountNotices({
    ...ports,
    policy,
    links: new RevokeLinks(config.session.secret, ports),
    pagesUrl: `${config.server.public_url.replace(/\/$/, '')}${basePath}`,
  });
  const ctx: GatewayContext = {
    config,
    policy,
    ports,
    metrics,
    notices,
    basePath,
    csrfToken: (req) => csrf.token(req),
    recordSignIn: (auth) => recordSignIn(ports, auth),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false); // the client IP is worked out below, from trusted_proxies only
  app.set('query parser', 'simple');

  /** The client's address and entry point, worked out once per request (or upgrade) for every flow. */
  const clients = clientLearner(isTrustedProxy, entryPointOf);
  const learnClient = (req: IncomingMessage) => setClient(req, clients.learn(req));

  // First, so that every page and error page, the fast path's too, speaks the request's language
  // and carries the organisation's branding (http/scope.ts).
  app.use(pageScope(config, branding.branding, ports.logger));

  // A request the fast path has already answered with an error (see handOver) gets that error.
  const answeredWith = new WeakMap<IncomingMessage, GatewayError>();
  app.use((req, _res, next) => next(answeredWith.get(req)));

  const proxy = upstreamProxy(ctx);
  const isOwnPath = ownPaths(basePath);
  const sessions = sessionMiddleware(config, ports, metrics);
  const absoluteTimeout = absoluteTimeoutMiddleware(config, ports);

  // Before anything under base_path answers; never on the proxied paths, whose answers are the upstream's.
  app.use(basePath, headers);
  app.use(basePath, healthRoutes(ctx));
  app.use(basePath, assetRoutes(branding));
  app.use(proxy.forwardPublic);
  app.use(sessions, absoluteTimeout);
  // Before the pages' body parsers and CSRF check: a proxy's question reads no body and changes nothing.
  app.use(basePath, authzRoutes(ctx, { isTrustedProxy, entryPointOf }));

  const own = express.Router();
  own.use(express.json({ type: 'application/json', limit: '16kb', strict: true }));
  // The SAML ACS reads its own (larger) form body: responses with group claims exceed 16 kB.
  own.use(
    express.urlencoded({
      type: (req) =>
        (req as express.Request).path !== ACS_PATH &&
        Boolean(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')),
      extended: false,
      limit: '16kb',
    }),
  );
  own.use(csrf.protect);
  // Code hashes are keyed by a key derived from the session secret: both must stay secret together.
  const factors = buildFactors(
    ports,
    policy,
    config.session.secret,
    relyingParty(config.webauthn, config.server.public_url),
    metrics,
  );
  own.use(loginRoutes(ctx, await passwordAuthenticator(ports.directUsers, ports.directory)));
  own.use(confirmRoutes(ctx, factors));
  own.use(mobileRoutes(ctx, factors));
  own.use(settingsRoutes(ctx, factors));
  own.use(noticeRoutes(ctx, notices.links));
  if (ports.saml) own.use(samlRoutes(ctx, ports.saml));
  if (ports.oidc) own.use(oidcRoutes(ctx, ports.oidc));
  const admin = new AdminService({ ports, policy, hasher: factors.hasher });
  const tokens = new TokenRegistry(config.admin.api_tokens);
  own.use(adminApiRoutes(ctx, admin, tokens));
  own.use(sidecarRoutes(ctx, { ports, policy, factors, notices }, tokens));
  own.use(adminPageRoutes(ctx, admin, factors.methods));
  own.use((_req, _res, next) => next(errors.notFound()));
  own.use(errorHandler(ports.logger));
  app.use(basePath, own);

  // A request the upstream will not see is answered by stepgate itself (401, or to the sign-in page).
  app.use((req, res, next) => (isForwardable(req.session?.auth) ? next() : headers(req, res, next)));
  app.use(proxy.forward);
  app.use(securityHeadersOnError(headers), errorHandler(ports.logger));

  const handOver: HandOver = (req, res, error) => {
    if (error) answeredWith.set(req, error);
    app(req, res);
  };
  // One session lookup for both fast paths: a session is handed over for renewal once for either.
  const session = fastSession(ctx);
  const fastPath = proxyFastPath(ctx, proxy, handOver, session);
  const authzFast = authzFastPath(ctx, { peerTrusted: clients.peerTrusted, entryPointOf }, session, handOver);
  const handler: RequestListener = (req, res) => {
    try {
      learnClient(req);
      if (!authzFast(req, res)) fastPath(req, res);
    } catch (error) {
      // Outside Express nothing else would catch it, and the process would end.
      logUnexpected(ports.logger, error, req.url);
      if (res.headersSent) res.destroy();
      else handOver(req, res, errors.internal());
    }
  };

  function attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const refuse = (status: string) =>
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      learnClient(req);
      if (isOwnPath(pathOf(req.url) ?? req.url ?? '/')) return refuse('404 Not Found');
      // express-session only needs the request and a response it can hook; an upgrade has none.
      const fakeResponse = { getHeader: () => undefined, setHeader: () => undefined, end: () => undefined };
      sessions(req as express.Request, fakeResponse as unknown as express.Response, () => {
        try {
          const auth = (req as express.Request).session?.auth;
          const expired = pastAbsoluteTimeout(auth, ports.clock.now(), config.session.absolute_timeout);
          proxy.forwardUpgrade(req, socket, head, expired ? undefined : auth);
        } catch (error) {
          logUnexpected(ports.logger, error, req.url);
          refuse('500 Internal Server Error');
        }
      });
    });
  }

  return { handler, attach, close: () => proxy.close() };
}

/** The language (Accept-Language, else branding.language) and branding every page of this request uses. */
function pageScope(config: Config, branding: Branding, logger: Ports['logger']): RequestHandler {
  const fallback = config.branding.language;
  const redirects = config.server;
  const basePath = config.server.base_path;
  return (req, _res, next) => {
    const language = negotiateLanguage(
      (...languages) => req.acceptsLanguages(...languages),
      fallback,
      req.headers['accept-language'],
    );
    runInScope({ language, branding, logger, basePath, redirects }, next);
  };
}

/** A session ends `absolute_timeout` after sign-in, however busy it is. */
function absoluteTimeoutMiddleware(config: Config, ports: Ports): RequestHandler {
  return async (req, _res, next) => {
    try {
      const { absolute_timeout: absoluteTimeout } = config.session;
      if (pastAbsoluteTimeout(req.session?.auth, ports.clock.now(), absoluteTimeout))
        await regenerateSession(req);
      next();
    } catch (error) {
      next(error);
    }
  };
}

async function recordSignIn(ports: Ports, auth: SignedInUser): Promise<void> {
  if (auth.challengeDue) return; // the challenge records its own history
  await ports.store.appendHistory({
    time: ports.clock.now(),
    user: auth.user,
    method: 'none',
    status: 'Skipped',
    triggeredBy: null,
    sourceIp: auth.sourceIp,
    login: auth.login,
    entryPoint: auth.entryPoint,
    userAgent: auth.userAgent,
    detail: `${auth.confirmation ?? ''} (rule: ${auth.decision.rule})`,
  });
}
