/**
 * Everything outside base_path goes to the upstream once the session is signed in and confirmed
 * (or skipped by policy). Before that a browser is sent to sign in, with where it was going kept;
 * an API client gets 401. WebSocket upgrades pass the same checks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import { createProxyServer } from 'http-proxy-3';
import { errors, type GatewayError } from '../../errors.js';
import { sendError } from '../../http/error-handler.js';
import { wantsJson } from '../../http/negotiate.js';
import { isForwardable, type SignedInUser } from '../../sessions.js';
import { clientOf, type GatewayContext } from '../../context.js';
import { upstreamForwarder } from './forward.js';
import { addIdentity, setForwarded, stripClientHeaders, stripCookie, upstreamHeaders } from './headers.js';
import { pathOf, publicPaths } from './public-paths.js';
import { signInPage } from '../next-step.js';
import { stepgateCookies } from '../../http/cookie-names.js';

export interface UpstreamProxy {
  /** Express handler for proxied HTTP requests; runs after the session middleware. */
  forward: RequestHandler;
  /** For public paths: forwarded without a session, before the session middleware. */
  forwardPublic: RequestHandler;
  /**
   * Forwards one request, with the identity of `auth` (none for a public path); `failed` is
   * called, with the response untouched, when the upstream cannot be reached in time.
   */
  forwardRequest(
    req: IncomingMessage,
    res: ServerResponse,
    auth: SignedInUser | undefined,
    failed: (error: GatewayError) => void,
  ): void;
  /** For the http server's 'upgrade' event, after the session was loaded onto `req`. */
  forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, auth: SignedInUser | undefined): void;
  close(): void;
}

export function upstreamProxy(ctx: GatewayContext): UpstreamProxy {
  const { config } = ctx;
  // HTTP requests go through undici's connection pool (forward.ts); WebSocket upgrades, which
  // leave the pool's connections for good, through http-proxy-3 on a connection of their own.
  const forwarder = upstreamForwarder(ctx);
  const upgrades = createProxyServer({ target: config.upstream.url, xfwd: false, ws: true });
  const proto = new URL(config.server.public_url).protocol.replace(':', '');
  const isPublic = publicPaths(config.upstream.public_paths);
  const cookies = stepgateCookies(config.session, config.server.public_url);

  /** A WebSocket upgrade's headers, rewritten in place for http-proxy-3. */
  function prepare(req: IncomingMessage, auth: SignedInUser | undefined): void {
    stripClientHeaders(req.headers);
    stripCookie(req.headers, cookies);
    setForwarded(req.headers, clientOf(req).ip, proto, req.headers.host);
    if (auth) addIdentity(req.headers, auth);
  }

  function forwardRequest(
    req: IncomingMessage,
    res: ServerResponse,
    auth: SignedInUser | undefined,
    failed: (error: GatewayError) => void,
  ): void {
    const from = { clientIp: clientOf(req).ip, proto, host: req.headers.host };
    const headers = upstreamHeaders(req.headers, cookies, from, auth);
    ctx.metrics.proxiedRequest();
    forwarder.forward(req, res, headers, failed);
  }

  // Decided on the request target as it came, as the fast path does: Express's req.path is also
  // the path of an absolute-URI target ('GET http://host/public/x'), which is never public.
  const forwardPublic: RequestHandler = (req, res, next) => {
    if (!isPublic(pathOf(req.originalUrl))) return next();
    forwardRequest(req, res, undefined, next);
  };

  const forward: RequestHandler = (req, res, next) => {
    const auth = req.session?.auth;
    if (isForwardable(auth)) return forwardRequest(req, res, auth, next);
    if (wantsJson(req)) {
      return sendError(req, res, auth ? errors.confirmationRequired() : errors.signInRequired());
    }
    const target = signInPage(ctx, auth);
    res.set('Cache-Control', 'no-store');
    res.redirect(302, `${target}?return_to=${encodeURIComponent(req.originalUrl)}`);
  };

  function forwardUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    auth: SignedInUser | undefined,
  ) {
    const allowed = isForwardable(auth) || isPublic(pathOf(req.url));
    if (!allowed) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    prepare(req, isForwardable(auth) ? auth : undefined);
    ctx.metrics.proxiedRequest();
    upgrades.ws(req, socket, head, {}, () => {
      ctx.metrics.upstreamFailure();
      socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
  }

  return {
    forward,
    forwardPublic,
    forwardRequest,
    forwardUpgrade,
    close: () => {
      upgrades.close();
      forwarder.close();
    },
  };
}
