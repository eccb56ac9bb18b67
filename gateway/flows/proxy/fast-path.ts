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
import type { UpstreamProxy } from './proxy.js';
import { ownPaths, pathOf, publicPaths } from './public-paths.js';

/** Lets the Express app answer the request, with `error` as its answer when there is one. */
export type HandOver = (req: IncomingMessage, res: ServerResponse, error?: GatewayError) => void;

/** A minute, or a tenth of the idle timeout when that is shorter. */
export function renewalInterval(idleTimeout: number): number {
  return Math.min(60_000, Math.floor(idleTimeout / 10));
}

export function proxyFastPath(
  ctx: GatewayContext,
  proxy: UpstreamProxy,
  handOver: HandOver,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, ports, metrics } = ctx;
  const isOwnPath = ownPaths(ctx.basePath);
  const isPublic = publicPaths(config.upstream.public_paths);
  const { cookie_name: cookieName, secret, absolute_timeout: absoluteTimeout, max_sessions } = config.session;
  const renewEvery = renewalInterval(config.session.idle_timeout);
  const cookies = new SessionCookieReader(cookieName, secret, max_sessions);
  // When each session was last handed over for renewal; bounded like the in-memory store.
  const lastRenewed = new LRUCache<string, number>({ max: max_sessions });

  function forward(req: IncomingMessage, res: ServerResponse, auth: SignedInUser | undefined): void {
    proxy.forwardRequest(req, res, auth, (error) => handOver(req, res, error));
  }

  function decide(
    req: IncomingMessage,
    res: ServerResponse,
    sid: string,
    data: SessionData | null | undefined,
  ) {
    const auth = data?.auth;
    const now = ports.clock.now();
    if (!isForwardable(auth) || pastAbsoluteTimeout(auth, now, absoluteTimeout)) return handOver(req, res);
    const renewed = lastRenewed.get(sid);
    const time = now.getTime();
    // A clock set back renews too, rather than leaving the session to expire in the store.
    if (renewed === undefined || time - renewed >= renewEvery || renewed > time) {
      lastRenewed.set(sid, time);
      // A response that never finished may not have renewed: try again on the next request.
      res.once('close', () => {
        if (!res.writableFinished) lastRenewed.delete(sid);
      });
      return handOver(req, res);
    }
    forward(req, res, auth);
  }

  return (req, res) => {
    const path = pathOf(req.url);
    if (path === undefined || isOwnPath(path)) return handOver(req, res);
    if (isPublic(path)) return forward(req, res, undefined);
    const sid = cookies.sessionId(req.headers.cookie);
    if (sid === undefined) return handOver(req, res);
    ports.sessions.get(sid, (error: unknown, data?: SessionData | null) => {
      // The store calls back from its own promise chain: nothing thrown here may escape into it.
      try {
        if (error)
          return handOver(req, res, sessionStoreUnavailable({ logger: ports.logger, metrics }, error));
        decide(req, res, sid, data);
      } catch (failure) {
        logUnexpected(ports.logger, failure, path);
        if (res.headersSent) res.destroy();
        else handOver(req, res, errors.internal());
      }
    });
  };
}
