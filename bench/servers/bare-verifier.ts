/**
 * The floor of a forward-auth answer: a plain Node http server that answers every question with
 * 200 and a fixed X-Stepgate-User, checking nothing. nginx in front of it shows what asking any
 * Node process per request costs, against which stepgate's own answer is measured.
 * Usage: node bare-verifier.js PORT USER
 */
import { createServer } from 'node:http';

const [port, user = ''] = process.argv.slice(2);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0, 'x-stepgate-user': user });
  res.end();
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
