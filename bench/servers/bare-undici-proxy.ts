/**
 * The second baseline proxy: undici's connection pool (Pool#dispatch) in a plain Node http server,
 * with no sign-in, no session and no header rewriting beyond dropping the hop-by-hop fields undici
 * refuses. It shows what forwarding costs on the client stepgate's own proxy uses (forward.ts).
 * Usage: node bare-undici-proxy.js PORT TARGET_URL
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';

const [port, target = ''] = process.argv.slice(2);
const pool = new Pool(target, { connections: 256, keepAliveTimeout: 4_000 });
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

function withoutHops(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) if (!HOP_BY_HOP.has(name)) kept[name] = headers[name];
  return kept;
}

const server = createServer((req, res) => {
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart: () => undefined,
    onResponseStart: (_controller, status, headers) => {
      if (status >= 200) res.writeHead(status, withoutHops(headers));
    },
    onResponseData: (controller, chunk) => {
      if (!res.write(chunk)) {
        controller.pause();
        res.once('drain', () => controller.resume());
      }
    },
    onResponseEnd: () => res.end(),
    onResponseError: () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    },
  };
  pool.dispatch(
    {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: withoutHops(req.headers),
      body: hasBody ? req : null,
    },
    handler,
  );
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.destroy();
});
