/**
 * A real `stepgate serve` process in front of an upstream that misbehaves: one that stops
 * answering is a 504 after upstream.timeout, and one that closes its connection in the middle of
 * a response has the client's connection ended at once, counted in
 * stepgate_upstream_failures_total and logged — the client never waits for the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startStepgate, writeProcessConfig, type StepgateProcess } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'stepgate-upstream-faults-'));

let upstream: Server;
let gateway: StepgateProcess;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/cut') {
      // Promises a megabyte, sends a little, then the connection is gone.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1 << 20) });
      res.write('the first part of a long answer');
      setTimeout(() => req.socket.destroy(), 100);
      return;
    }
    if (req.url === '/silent') return; // never answers
    res.end('ok');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const config = writeProcessConfig({
    dir,
    upstream: `url: 'http://127.0.0.1:${(upstream.address() as AddressInfo).port}', public_paths: [/cut, /silent, /fine], timeout: 1s`,
  });
  gateway = await startStepgate({ config, env: {}, cwd: dir });
});

afterAll(async () => {
  await gateway?.stop();
  upstream?.closeAllConnections();
  upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the client saw: the status and how the body ended ('end', or the error that ended it). */
function fetchRaw(path: string): Promise<{ status: number; ending: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${gateway.url}${path}`, { headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ending: 'end', body }));
      res.once('error', (error) => resolve({ status: res.statusCode ?? 0, ending: error.message, body }));
    })
      .once('error', reject)
      .end();
  });
}

async function upstreamFailures(): Promise<number> {
  const text = await (await fetch(`${gateway.url}/_stepgate/metrics`)).text();
  const line = /^stepgate_upstream_failures_total (\d+)/m.exec(text);
  return Number(line?.[1] ?? NaN);
}

describe('an upstream that misbehaves, behind a real process', () => {
  it('ends the client connection at once when the upstream cuts its response off, and counts it', async () => {
    onTestFailed(() => {
      process.stderr.write(`\n--- stepgate ---\n${gateway.output()}\n`);
    });
    const before = await upstreamFailures();
    // Without the fix the client waited for the rest of the megabyte until the test timed out.
    const seen = await fetchRaw('/cut');
    expect(seen.status).toBe(200);
    expect(seen.ending).not.toBe('end');
    expect(seen.body).toBe('the first part of a long answer');
    expect(await upstreamFailures()).toBe(before + 1);
    expect(gateway.output()).toMatch(/upstream response cut off/);
    expect((await fetchRaw('/fine')).body).toBe('ok');
  });

  it('answers 504 upstream_timeout when the upstream does not answer within upstream.timeout', async () => {
    const before = await upstreamFailures();
    const seen = await fetchRaw('/silent');
    expect(seen.status).toBe(504);
    expect(JSON.parse(seen.body)).toMatchObject({ error: 'upstream_timeout' });
    expect(await upstreamFailures()).toBe(before + 1);
  });
});
