/**
 * A real `stepgate serve` process and its connections: SIGTERM drains (in-flight requests finish,
 * nothing new is accepted, keep-alive connections close once idle, and `server.shutdown_timeout`
 * bounds the wait), and a client that opens a connection and sends nothing is let go after
 * `server.headers_timeout` instead of Node's 60 s plus its 30 s check period.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';

const STEPGATE = fileURLToPath(new URL('../../dist/bin/stepgate.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stepgate-shutdown-'));

/** An upstream that holds each request until the test lets it go. */
interface HeldUpstream {
  url: string;
  held: ServerResponse[];
  close(): Promise<void>;
}

async function startHeldUpstream(): Promise<HeldUpstream> {
  const held: ServerResponse[] = [];
  const server: Server = createServer((_req: IncomingMessage, res: ServerResponse) => held.push(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function writeConfig(name: string, upstreamUrl: string, server: string[]): string {
  return writeProcessConfig({
    dir,
    name,
    server,
    upstream: `url: ${JSON.stringify(upstreamUrl)}, public_paths: [/held], timeout: 5m`,
  });
}

interface Answer {
  status: number;
  body: string;
}

function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

let upstream: HeldUpstream;
let gateway: StepgateProcess | undefined;

beforeAll(async () => {
  upstream = await startHeldUpstream();
});

afterEach(async () => {
  for (const res of upstream.held.splice(0)) res.destroy();
  await gateway?.stop(1_000);
  gateway = undefined;
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('lets an in-flight request finish, accepts nothing new, and exits', async () => {
    const config = writeConfig('drain', upstream.url, ['shutdown_timeout: 30s']);
    gateway = await startStepgate({ config, env: {}, cwd: dir });
    const { port, url } = gateway;
    const agent = new Agent({ keepAlive: true });
    // An idle keep-alive connection besides the busy one: it must not hold the exit back.
    const idle = new Agent({ keepAlive: true });
    expect((await get(`${url}/_stepgate/healthz`, idle)).status).toBe(200);

    const answer = get(`${url}/held`, agent);
    await vi.waitFor(() => expect(upstream.held).toHaveLength(1));
    const stopped = gateway.stop(30_000);
    await vi.waitFor(async () => expect(await refused(port)).toBe(true));

    upstream.held[0]?.end('finished after SIGTERM');
    expect(await answer).toEqual({ status: 200, body: 'finished after SIGTERM' });
    await stopped;
    expect(gateway.output()).toMatch(/all connections closed/);
    expect(gateway.output()).not.toMatch(/shutdown_timeout passed/);
    agent.destroy();
    idle.destroy();
  });

  it('closes what is still open once shutdown_timeout has passed', async () => {
    const config = writeConfig('deadline', upstream.url, ['shutdown_timeout: 1s']);
    gateway = await startStepgate({ config, env: {}, cwd: dir });
    const agent = new Agent({ keepAlive: true });
    const answer = get(`${gateway.url}/held`, agent).then(
      () => 'answered',
      () => 'cut',
    );
    await vi.waitFor(() => expect(upstream.held).toHaveLength(1));
    // The grace before SIGKILL is far longer than shutdown_timeout: the process must leave by itself.
    await gateway.stop(30_000);
    expect(gateway.output()).toMatch(/shutdown_timeout passed/);
    expect(await answer).toBe('cut');
    agent.destroy();
  });
});

describe('connection timeouts', () => {
  it('lets go of a connection that sends nothing after headers_timeout', async () => {
    const config = writeConfig('silent', upstream.url, ['headers_timeout: 1s']);
    gateway = await startStepgate({ config, env: {}, cwd: dir });
    const socket = connect(gateway.port, '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.once('close', () => resolve(received));
    });
    // Node's defaults kept such a connection for 60 s plus up to 30 s; the wait here is far shorter.
    const outcome = await Promise.race([
      closed,
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 20_000)),
    ]);
    socket.destroy();
    expect(outcome).not.toBe('still open');
  });

  it('refuses a head timeout longer than the request timeout by name', async () => {
    const config = writeConfig('inverted', upstream.url, ['headers_timeout: 10m', 'request_timeout: 1m']);
    await expect(startStepgate({ config, env: {}, cwd: dir })).rejects.toThrow(
      /headers_timeout.*must not be longer than request_timeout \(1m\)/,
    );
  });
});

describe('start-up', () => {
  it('exits non-zero with one line when the port is taken, instead of hanging', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const config = writeConfig('taken', upstream.url, []);
    const child = spawn(process.execPath, [STEPGATE, 'serve', '--config', config], {
      cwd: dir,
      env: { ...process.env, STEPGATE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode))),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000)),
    ]);
    child.kill('SIGKILL');
    taken.close();
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^stepgate: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`, 'm'),
    );
  });
});
