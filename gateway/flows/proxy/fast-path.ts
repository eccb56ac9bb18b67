/**
 * The proxied request of a signed-in, confirmed session, the gateway's most common request,
 * without Express or express-session: the session cookie is checked, the session read from the
 * store, and the request forwarded. Every other request, and every case this path is not sure
 * of, is handed over to the Express app, which decides it in full:
 *
 * - own paths (base_path, in any letter case) and request targets that are not a plain path;
 * - no session cookie, a cookie that is not signed with the session secret, no such session, a
 *   session that is not confirmed yet or past its absolute timeout;
 * - the renewal of the session (below);
 * - the error pages: a store that cannot answer (503) and an upstream that does not (502).
 *
 * Renewal. express-session (`rolling`) renews the cookie and the store's expiry on every
 * response. Here a session is handed over to it for that at most once per `renewalInterval` per
 * instance, so a proxied request usually costs one store read and no write, hash or signature.
 * The idle timeout then counts from the last renewal: a session can end up to one interval
 * (a minute by default) before `idle_timeout` has passed since its last request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { SessionData } from 'express-session';
import { errors, type GatewayError } from '../../errors.js';
import { logUnexpected } from '../../http/error-handler.js';
import { SessionCookieReader } from '../../http/session-cookie.js';
import {
  isForwardable,
  pastAbsoluteTimeout,
  sessionStoreUnavailable,
  type SignedInUser,
} from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { SessionPeek } from '../../ports.js';
import type { UpstreamProxy } from './proxy.js';
import { ownPaths, pathOf, publicPaths } from './public-paths.js';

/** Lets the Express app answer the request, with `error` as its answer when there is one. */
export type HandOver = (req: IncomingMessage, res: ServerResponse, error?: GatewayError) => void;

/** A minute, or a tenth of the idle timeout when that is shorter. */
export function renewalInterval(idleTimeout: number): number {
  return Math.min(60_000, Math.floor(idleTimeout / 10));
}

/**
 * The session of a request, when the fast path can be sure of it: a cookie signed with the
 * session secret, a session in the store that is signed in and confirmed (or skipped), within its
 * absolute timeout, and not due for renewal. `found` gets it; in every other case `handOver` is
 * called, with the error to answer when there is one (a store that cannot answer). Shared by the
 * proxy's fast path and the forward-auth endpoints', so a session is renewed once for both.
 */
export type FastSession = (
  req: IncomingMessage,
  res: ServerResponse,
  found: (auth: SignedInUser) => void,
  handOver: (error?: GatewayError) => void,
) => void;

export function fastSession(ctx: GatewayContext): FastSession {
  const { config, ports, metrics } = ctx;
  const { cookie_name: cookieName, secret, absolute_timeout: absoluteTimeout, max_sessions } = config.session;
  const renewEvery = renewalInterval(config.session.idle_timeout);
  const cookies = new SessionCookieReader(cookieName, secret, max_sessions);
  // When each session was last handed over for renewal; bounded like the in-memory store.
  const lastRenewed = new LRUCache<string, number>({ max: max_sessions });
  // A store that can lend its parsed session (ports.ts SessionPeek) saves a read and a parse.
  const { sessions } = ports;
  const read: SessionPeek['peek'] = sessions.peek
    ? (sid, callback) => sessions.peek?.(sid, callback)
    : (sid, callback) => sessions.get(sid, callback);

  function decide(
    res: ServerResponse,
    sid: string,
    data: Readonly<SessionData> | null | undefined,
    found: (auth: SignedInUser) => void,
    handOver: (error?: GatewayError) => void,
  ) {
    const auth = data?.auth;
    const now = ports.clock.now();
    if (!isForwardable(auth) || pastAbsoluteTimeout(auth, now, absoluteTimeout)) return handOver();
    const renewed = lastRenewed.get(sid);
    const time = now.getTime();
    // A clock set back renews too, rather than leaving the session to expire in the store.
    if (renewed === undefined || time - renewed >= renewEvery || renewed > time) {
      lastRenewed.set(sid, time);
      // A response that never finished may not have renewed: try again on the next request.
      res.once('close', () => {
        if (!res.writableFinished) lastRenewed.delete(sid);
      });
      return handOver();
    }
    found(auth);
  }

  return (req, res, found, handOver) => {
    const sid = cookies.sessionId(req.headers.cookie);
    if (sid === undefined) return handOver();
    read(sid, (error, data) => {
      // The store calls back from its own promise chain: nothing thrown here may escape into it.
      try {
        if (error) return handOver(sessionStoreUnavailable({ logger: ports.logger, metrics }, error));
        decide(res, sid, data, found, handOver);
      } catch (failure) {
        logUnexpected(ports.logger, failure, pathOf(req.url) ?? req.url);
        if (res.headersSent) res.destroy();
        else handOver(errors.internal());
      }
    });
  };
}

export function proxyFastPath(
  ctx: GatewayContext,
  proxy: UpstreamProxy,
  handOver: HandOver,
  session: FastSession = fastSession(ctx),
): (req: IncomingMessage, res: ServerResponse) => void {
  const isOwnPath = ownPaths(ctx.basePath);
  const isPublic = publicPaths(ctx.config.upstream.public_paths);

  function forward(req: IncomingMessage, res: ServerResponse, auth: SignedInUser | undefined): void {
    proxy.forwardRequest(req, res, auth, (error) => handOver(req, res, error));
  }

  return (req, res) => {
    const path = pathOf(req.url);
    if (path === undefined || isOwnPath(path)) return handOver(req, res);
    if (isPublic(path)) return forward(req, res, undefined);
    session(
      req,
      res,
      (auth) => forward(req, res, auth),
      (error) => handOver(req, res, error),
    );
  };
}
