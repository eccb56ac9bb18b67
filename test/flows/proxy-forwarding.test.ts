/**
 * How a request crosses the gateway (gateway/flows/proxy/forward.ts): bodies stream both ways
 * without being held back, connections to the upstream are kept and reused, the answer arrives
 * as the upstream gave it less its hop-by-hop fields, and a client that leaves has its upstream
 * request ended. Real sockets on both sides; the paths are public so no sign-in is in the way
 * (signed-in requests take the same forwarding, see proxy.test.ts and proxy-fast-path.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startGateway } from '../helpers/gateway.js';

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };

interface Upstream {
  url: string;
  /** Connections the upstream accepted. */
  connections(): number;
}

async function upstreamWith(handler: RequestListener): Promise<Upstream> {
  const server: Server = createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  };
}

/** A listening gateway in front of `upstream` (optionally under a path), /pub/ public. */
async function gatewayTo(upstreamUrl: string): Promise<string> {
  const gw = await startGateway({
    upstreamUrl,
    policy: SKIP_ALL,
    config: { upstream: { public_paths: ['/pub/'] } },
  });
  onTestFinished(() => gw.close());
  return (await gw.listen()).url;
}

function bodyOf(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('forwarding to the upstream', () => {
  it('streams the request body and the answer: neither waits for the other to be complete', async () => {
    // The upstream answers the first chunk of the upload at once and the rest once it has it;
    // the client sends the rest only after it read that first answer. A proxy holding back
    // either body until it is complete would leave both waiting until the test times out.
    const upstream = await upstreamWith((req, res) => {
      req.once('data', (first: Buffer) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(`first:${first.toString()}\n`);
        let rest = '';
        req.on('data', (chunk: Buffer) => (rest += chunk.toString()));
        req.once('end', () => res.end(`rest:${rest}\n`));
      });
    });
    const url = await gatewayTo(upstream.url);
    const upload = request(`${url}/pub/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
    });
    upload.write('one');
    const res = await new Promise<IncomingMessage>((resolve) => upload.once('response', resolve));
    const first = await new Promise<string>((resolve) =>
      res.once('data', (chunk: Buffer) => resolve(String(chunk))),
    );
    expect(first).toBe('first:one\n');
    upload.end('two');
    expect(String(await bodyOf(res))).toBe('rest:two\n');
  });

  it('keeps the upstream connection open and reuses it, and passes the Host the client sent', async () => {
    const hosts: (string | undefined)[] = [];
    const upstream = await upstreamWith((req, res) => {
      hosts.push(req.headers.host);
      res.end('ok');
    });
    const url = await gatewayTo(upstream.url);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/pub/item/${i}`);
      expect(await res.text()).toBe('ok');
    }
    expect(upstream.connections()).toBe(1);
    expect(hosts).toEqual(Array(5).fill(new URL(url).host));
  });

  it('sends a large upload whole and brings back the answer as the upstream gave it', async () => {
    const sent = randomBytes(1 << 20);
    const answer = randomBytes(1 << 20);
    let received = '';
    const upstream = await upstreamWith((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('end', () => {
        received = sha256(Buffer.concat(chunks));
        res.writeHead(
          201,
          'Made Here',
          [
            ['Set-Cookie', 'a=1; Path=/'],
            ['Set-Cookie', 'b=2; Path=/'],
            ['X-App', 'yes'],
            ['Keep-Alive', 'timeout=17, max=3'],
            ['Content-Length', String(answer.length)],
          ].flat(),
        );
        res.end(answer);
      });
    });
    const url = await gatewayTo(upstream.url);
    const upload = request(`${url}/pub/upload`, {
      method: 'PUT',
      headers: { 'content-length': String(sent.length) },
    });
    upload.end(sent);
    const res = await new Promise<IncomingMessage>((resolve) => upload.once('response', resolve));
    const body = await bodyOf(res);
    expect(received).toBe(sha256(sent));
    expect(res.statusCode).toBe(201);
    expect(res.statusMessage).toBe('Made Here');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-app']).toBe('yes');
    expect(res.headers['content-length']).toBe(String(answer.length));
    expect(res.headers['keep-alive']).not.toBe('timeout=17, max=3'); // the upstream's hop, not the client's
    expect(sha256(body)).toBe(sha256(answer));
  });

  it('sends an upload the client announced with Expect: 100-continue', async () => {
    let expectSeen: string | undefined = 'not asked';
    const upstream = await upstreamWith(async (req, res) => {
      expectSeen = req.headers.expect;
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      res.end(`got ${Buffer.concat(chunks).toString()}`);
    });
    const url = await gatewayTo(upstream.url);
    const upload = request(`${url}/pub/continue`, {
      method: 'POST',
      headers: { expect: '100-continue', 'content-length': '5' },
    });
    upload.once('continue', () => upload.end('hello'));
    const res = await new Promise<IncomingMessage>((resolve) => upload.once('response', resolve));
    expect(res.statusCode).toBe(200);
    expect(String(await bodyOf(res))).toBe('got hello');
    expect(expectSeen).toBeUndefined(); // the gateway answered it; the upstream gets the body
  });

  it('passes the final answer after an interim 103 Early Hints', async () => {
    const upstream = await upstreamWith((_req, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.end('final');
    });
    const url = await gatewayTo(upstream.url);
    const res = await fetch(`${url}/pub/hints`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('final');
  });

  it('ends the upstream request when the client leaves in the middle of the answer', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const upstream = await upstreamWith((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('the first part');
      res.once('close', upstreamClosed); // the rest never comes; only the gateway can end this
    });
    const url = await gatewayTo(upstream.url);
    const client = request(`${url}/pub/long`);
    client.end();
    const res = await new Promise<IncomingMessage>((resolve) => client.once('response', resolve));
    await new Promise((resolve) => res.once('data', resolve));
    client.destroy();
    await closed;
  });

  it('sends requests under the path of upstream.url when it has one', async () => {
    const seen: (string | undefined)[] = [];
    const upstream = await upstreamWith((req, res) => {
      seen.push(req.url);
      res.end('ok');
    });
    const url = await gatewayTo(`${upstream.url}/app`);
    expect((await fetch(`${url}/pub/x?y=1`)).status).toBe(200);
    expect(seen).toEqual(['/app/pub/x?y=1']);
  });
});
