/**
 * The application behind every proxy in the benchmarks: a fixed, small answer, so what is
 * measured is the proxy in front of it. Usage: node upstream.js PORT
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"ok":true}\n');

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.listen(Number(process.argv[2]), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
