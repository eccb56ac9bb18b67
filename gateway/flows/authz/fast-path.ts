/**
 * A proxy in forward-auth mode asks on every request, so its question about a signed-in,
 * confirmed session is as common as a proxied request is behind the built-in proxy, and is
 * answered the same way: without Express or express-session (flows/proxy/fast-path.ts). This
 * path takes only what it can be sure of — a trusted peer's well-formed question, exact-case
 * path, about a public path or from a session the shared fast session lookup accepts, at the
 * entry point it signed in at — and hands everything else to the Express routes (routes.ts):
 * refusals, sign-ins to send somewhere, other entry points, renewals, store errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../../context.js';
import type { FastSession, HandOver } from '../proxy/fast-path.js';
import { pathOf, publicPaths } from '../proxy/public-paths.js';
import { answerAllowed, AUTHZ_PATHS } from './routes.js';
import { fromExtAuthz, fromForwardedHeaders, fromOriginalUrl, type OriginalRequest } from './original.js';

/** Whether the request was a forward-auth question, taken here or handed over; false for any other. */
export type AuthzFastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function authzFastPath(
  ctx: GatewayContext,
  options: {
    /** Whether the peer of the request's connection is one of server.trusted_proxies. */
    peerTrusted(req: IncomingMessage): boolean;
    entryPointOf(hostname: string): string;
  },
  session: FastSession,
  handOver: HandOver,
): AuthzFastPath {
  const { basePath, config } = ctx;
  const isPublic = publicPaths(config.upstream.public_paths);
  const defaultProto = config.server.public_url.startsWith('https:') ? 'https' : 'http';
  const authRequest = `${basePath}${AUTHZ_PATHS.authRequest}`;
  const forwardAuth = `${basePath}${AUTHZ_PATHS.forwardAuth}`;
  const extAuthz = `${basePath}${AUTHZ_PATHS.extAuthz}`;
  const authzPrefix = `${basePath}/authz/`;

  /** The question's original request, or undefined when this path is not the place to read it. */
  function original(req: IncomingMessage, path: string): OriginalRequest | undefined {
    const url = req.url ?? '';
    if (path === authRequest && req.method === 'GET') return fromOriginalUrl(req.headers);
    if (path === forwardAuth && req.method === 'GET') return fromForwardedHeaders(req.headers, defaultProto);
    if (path === extAuthz || path.startsWith(`${extAuthz}/`)) {
      return fromExtAuthz(req.method ?? 'GET', url.slice(extAuthz.length), req.headers, defaultProto);
    }
    return undefined;
  }

  return (req, res) => {
    const path = pathOf(req.url);
    if (path === undefined || !path.startsWith(authzPrefix)) return false;
    if (!options.peerTrusted(req)) {
      handOver(req, res);
      return true;
    }
    let asked: OriginalRequest | undefined;
    try {
      asked = original(req, path);
    } catch {
      asked = undefined; // malformed: the routes answer it, naming the header
    }
    if (asked === undefined) handOver(req, res);
    else if (isPublic(pathOf(asked.target))) answerAllowed(res, undefined);
    else {
      const entryPoint = options.entryPointOf(asked.hostname);
      session(
        req,
        res,
        (auth) => (auth.entryPoint === entryPoint ? answerAllowed(res, auth) : handOver(req, res)),
        (error) => handOver(req, res, error),
      );
    }
    return true;
  };
}
