/**
 * The HTTP server `serve` runs: Node's timeouts replaced by the operator's, and a shutdown that
 * drains. On SIGTERM a load balancer is already sending new connections elsewhere; what is in
 * flight here should finish, not be cut (a cut request is a 502 to someone mid-sign-in).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/schema.js';
import type { Logger } from '../gateway/ports.js';

/** How often idle connections are looked for while draining, and head timeouts checked. */
const SWEEP_MS = 1_000;

export interface Listening {
  server: Server;
  /**
   * Stops accepting, lets in-flight requests finish for at most `server.shutdown_timeout`, closes
   * each keep-alive connection as soon as it is idle, then destroys what is left. Resolves once
   * every connection is gone; calling it again returns the same promise.
   */
  drain(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function listen(config: Config['server'], handler: Handler, logger: Logger): Promise<Listening> {
  let draining = false;
  const server = createServer(
    {
      headersTimeout: config.headers_timeout,
      requestTimeout: config.request_timeout,
      keepAliveTimeout: config.keep_alive_timeout,
      // Node checks head and request timeouts on this period (30 s by default), so a connection
      // that never sends a byte lived the head timeout plus up to 30 s.
      connectionsCheckingInterval: Math.min(SWEEP_MS, config.headers_timeout),
    },
    (req, res) => {
      // A response finished while draining ends its connection instead of inviting another request.
      if (draining) res.shouldKeepAlive = false;
      handler(req, res);
    },
  );
  const upgraded = new Set<Socket>();
  server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });

  const [host, port] = splitListen(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error) => reject(new Error(`cannot listen on ${config.listen}: ${error.message}`)));
    server.listen(port, host);
  });

  let drained: Promise<void> | undefined;
  const drain = () =>
    (drained ??= new Promise<void>((resolve) => {
      draining = true;
      const started = Date.now();
      const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
      const deadline = setTimeout(() => {
        logger.warn('shutdown_timeout passed; closing the connections still open', {
          upgraded: upgraded.size,
        });
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
      }, config.shutdown_timeout);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(deadline);
        logger.info('all connections closed', { after_ms: Date.now() - started });
        resolve();
      });
      // close() leaves busy connections alone; idle ones can go now.
      server.closeIdleConnections();
    }));
  return { server, drain };
}

/** `host:port` or `[v6]:port` as `server.listen` writes it. */
export function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}
