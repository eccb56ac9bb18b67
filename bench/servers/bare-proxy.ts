/**
 * The baseline proxy: http-proxy-3 in a plain Node http server, with no sign-in, no session and
 * no header rewriting. `--keep-alive` gives it a keep-alive agent toward the upstream; without it,
 * http-proxy-3 (like stepgate today) opens a new upstream connection for every request.
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
