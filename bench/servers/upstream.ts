/**
 * The application behind every proxy in the benchmarks: a fixed, small answer, so what is
 * measured is the proxy in front of it; /bench/whoami answers with the X-Stepgate-User it received.
 * Usage: node upstream.js PORT
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"ok":true}\n');

const server = createServer((req, res) => {
  // For the benchmarks' own checks, before measuring: who the proxy in front said the user is.
  if (req.url === '/bench/whoami')
    return void res.end(JSON.stringify({ user: req.headers['x-stepgate-user'] }));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
