/**
 * A real upstream on loopback that answers with what it received, so tests can see exactly
 * which headers crossed the proxy. It also accepts WebSocket connections and echoes the
 * upgrade request's headers as the first message.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface EchoUpstream {
  url: string;
  received: EchoedRequest[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: EchoedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const echoed = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    received.push(echoed);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(echoed));
  });
  const sockets = new WebSocketServer({ server });
  sockets.on('connection', (socket, req) => socket.send(JSON.stringify({ headers: req.headers })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An address where nothing listens: a port we bound and released. */
export async function deadUpstreamUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
