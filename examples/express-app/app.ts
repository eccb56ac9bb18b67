/**
 * The application stepgate protects: a small Express app that trusts the identity headers
 * stepgate adds to every request it forwards (and strips from every request it receives).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export function createApp(): express.Express {
  const app = express();
  app.get('/', (req, res) => {
    res.type('text').send(`Hello, ${req.get('X-Stepgate-User') ?? 'stranger'}!`);
  });
  app.get('/api/whoami', (req, res) => {
    res.json({
      user: req.get('X-Stepgate-User'),
      email: req.get('X-Stepgate-Email'),
      login: req.get('X-Stepgate-Login'),
      confirmation: req.get('X-Stepgate-Confirmation'),
    });
  });
  return app;
}

/** The app on a free loopback port, where stepgate's upstream.url will point. */
export async function startApp(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createApp().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
