/**
 * The baseline proxy: http-proxy-3 in a plain Node http server, with no sign-in, no session and
 * no header rewriting. `--keep-alive` gives it a keep-alive agent toward the upstream, as stepgate
 * has; without one, http-proxy-3 opens a new upstream connection for every request, asks the
 * upstream to close it, and passes that `Connection: close` on, so the client reconnects too.
 * Usage: node bare-proxy.js PORT TARGET_URL [--keep-alive]
 */
import { Agent, createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [port, target, mode] = process.argv.slice(2);
const proxy = createProxyServer({
  target,
  xfwd: false,
  ...(mode === '--keep-alive' ? { agent: new Agent({ keepAlive: true }) } : {}),
});

const server = createServer((req, res) => {
  proxy.web(req, res, {}, () => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(502).end();
  });
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  proxy.close();
});
