/**
 * HTTP/1.1 over a bare socket, for request targets and header names that supertest, fetch and
 * the ws client would normalise before sending ('..%2F', the absolute-URI form, 'X_Stepgate_User').
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawUpgrade {
  status: number;
  headers: Record<string, string>;
  /** The first WebSocket text message, when the upgrade succeeded (the echo upstream sends one). */
  message?: string;
}

/** `headers` are sent exactly as given, names and order kept; a Host is added when absent. */
function requestHead(base: string, target: string, headers: [string, string][], extra: string[]): string {
  const { host } = new URL(base);
  const lines = [`GET ${target} HTTP/1.1`];
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) lines.push(`Host: ${host}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return [...lines, ...extra, '', ''].join('\r\n');
}

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

function dechunk(body: Buffer): string {
  let text = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return text;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return text;
    text += body.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8');
    at = lineEnd + 2 + size + 2;
  }
}

/** One GET with `Connection: close`, read to the end. */
export function rawGet(
  base: string,
  target: string,
  headers: [string, string][] = [],
  /** The address to connect from, e.g. another loopback address (127.0.0.2) for another client. */
  from?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: hostname, ...(from && { localAddress: from }) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP response for ${target}: ${all.toString('latin1')}`));
      const { status, headers: received } = parseHead(all.subarray(0, end).toString('latin1'));
      const rest = all.subarray(end + 4);
      const body = received['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest.toString('utf8');
      resolve({ status, headers: received, body });
    });
    socket.write(requestHead(base, target, headers, ['Connection: close']));
  });
}

/** The payload of the first unmasked text frame in `data`, or undefined until it is complete. */
function firstFrame(data: Buffer): string | undefined {
  if (data.length < 2) return undefined;
  let length = (data[1] ?? 0) & 0x7f;
  let at = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    at = 10;
  }
  if (data.length < at + length) return undefined;
  return data.subarray(at, at + length).toString('utf8');
}

/** A WebSocket handshake for `target`; on 101, waits for the upstream's first message. */
export function rawUpgrade(
  base: string,
  target: string,
  headers: [string, string][] = [],
): Promise<RawUpgrade> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = Buffer.alloc(0);
    let answer: { status: number; headers: Record<string, string> } | undefined;
    const finish = (result: RawUpgrade) => {
      socket.destroy();
      resolve(result);
    };
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (!answer) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        answer = parseHead(data.subarray(0, end).toString('latin1'));
        data = data.subarray(end + 4);
        if (answer.status !== 101) return finish(answer);
      }
      const message = firstFrame(data);
      if (message !== undefined) finish({ ...answer, message });
    });
    socket.on('close', () => {
      if (answer) resolve(answer);
      else reject(new Error(`no answer to the upgrade of ${target}`));
    });
    socket.write(
      requestHead(base, target, headers, [
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
    );
  });
}
