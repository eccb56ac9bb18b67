/**
 * Everything outside base_path goes to the upstream once the session is signed in and confirmed
 * (or skipped by policy). Before that a browser is sent to sign in, with where it was going kept;
 * an API client gets 401. WebSocket upgrades pass the same checks.
 */
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import { createProxyServer } from 'http-proxy-3';
import { errors, type GatewayError } from '../../errors.js';
import { sendError } from '../../http/error-handler.js';
import { wantsJson } from '../../http/negotiate.js';
import { isForwardable, type SignedInUser } from '../../sessions.js';
import { clientOf, type GatewayContext } from '../../context.js';
import { addIdentity, setForwarded, stripClientHeaders, stripCookie } from './headers.js';
import { pathOf, publicPaths } from './public-paths.js';
import { nextStep } from '../next-step.js';

/** The upstream said nothing for upstream.timeout. */
class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
  constructor() {
    super('the upstream did not answer within upstream.timeout');
  }
}

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
  // Connections to the upstream are kept open and reused: opening one per request costs more
  // than everything else a proxied request does (see docs/benchmarks.md).
  // Idle connections are dropped after 4 s, before a typical upstream's 5 s keep-alive timeout,
  // so a request is never sent on a connection the upstream is closing.
  const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 4_000 };
  const agent = config.upstream.url.startsWith('https:')
    ? new HttpsAgent(agentOptions)
    : new HttpAgent(agentOptions);
  const proxy = createProxyServer({ target: config.upstream.url, agent, xfwd: false, ws: true });
  // upstream.timeout: an upstream silent for this long, before or during its answer, is given
  // up on. http-proxy-3's own proxyTimeout destroys the request without saying why, which would
  // make a timeout look like any lost connection; this one names it, so it is answered 504.
  proxy.on('proxyReq', (proxyReq) => {
    proxyReq.setTimeout(config.upstream.timeout, () => proxyReq.destroy(new UpstreamTimeoutError()));
  });
  // An upstream that closes its connection in the middle of a response: the client must not wait
  // for the rest (a pipe would leave it open), and the operators must hear of it.
  proxy.on('proxyRes', (proxyRes, req, res) => {
    proxyRes.once('close', () => {
      if (proxyRes.complete || res.destroyed) return; // finished, or the client left first
      ctx.metrics.upstreamFailure();
      ctx.ports.logger.warn('upstream response cut off', { path: pathOf(req.url) ?? req.url });
      res.destroy();
    });
  });
  const proto = new URL(config.server.public_url).protocol.replace(':', '');
  const isPublic = publicPaths(config.upstream.public_paths);

  function prepare(req: IncomingMessage, auth: SignedInUser | undefined): void {
    stripClientHeaders(req.headers);
    stripCookie(req.headers, config.session.cookie_name);
    setForwarded(req.headers, clientOf(req).ip, proto, req.headers.host);
    if (auth) addIdentity(req.headers, auth);
  }

  function forwardRequest(
    req: IncomingMessage,
    res: ServerResponse,
    auth: SignedInUser | undefined,
    failed: (error: GatewayError) => void,
  ): void {
    prepare(req, auth);
    ctx.metrics.proxiedRequest();
    proxy.web(req, res, {}, (error: unknown) => {
      const timedOut = error instanceof UpstreamTimeoutError;
      ctx.metrics.upstreamFailure();
      ctx.ports.logger.warn(timedOut ? 'upstream timed out' : 'upstream unreachable', {
        path: pathOf(req.url) ?? req.url,
        error: error instanceof Error ? error.message : String(error),
      });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      failed(timedOut ? errors.gatewayTimeout() : errors.badGateway());
    });
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
    const target = auth ? nextStep(ctx, auth, '/').redirect : `${ctx.basePath}/login`;
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
    proxy.ws(req, socket, head, {}, () => {
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
      proxy.close();
      agent.destroy();
    },
  };
}
