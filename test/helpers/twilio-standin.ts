/**
 * A local stand-in for Twilio's Messages API (`POST /2010-04-01/Accounts/{Sid}/Messages.json`), on
 * loopback, answering the way Twilio does: 201 with the message resource, or an error body
 * `{code, message, more_info, status}`. Tests reach it through the official `twilio` client, whose
 * `httpClient` is pointed here, so the request is exactly what Twilio would receive.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STANDIN_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const STANDIN_AUTH_TOKEN = 'standin-auth-token';
export const STANDIN_API_KEY_SID = 'SK0123456789abcdef0123456789abcdef';
export const STANDIN_API_KEY_SECRET = 'standin-api-key-secret';
export const STANDIN_FROM = '+15005550006';

/** One request that reached the Messages endpoint, as the stand-in read it. */
export interface StandinRequest {
  accountSid: string;
  /** From the Basic authorization header. */
  username: string;
  password: string;
  contentType: string | undefined;
  to: string | undefined;
  from: string | undefined;
  body: string | undefined;
  messagingServiceSid: string | undefined;
  /** The status it was answered with; 0 when the connection was dropped. */
  answered: number;
}

/** How to answer a request: a status (with a Twilio error code for 4xx), or drop the connection. */
export type StandinReply = { status: 201 } | { status: number; code?: number } | 'drop';

export interface TwilioStandin {
  /** `http://127.0.0.1:PORT`, to put in place of `https://api.twilio.com`. */
  url: string;
  /** Every request to the Messages endpoint, oldest first. */
  requests: StandinRequest[];
  /** Answers for the next requests, in order; once used up, requests are accepted (201). */
  reply(...replies: StandinReply[]): void;
  /** Answers every request to `to` with this Twilio error code (400), as Twilio does for 21211 etc. */
  refuse(to: string, code: number): void;
  close(): Promise<void>;
}

const ERROR_TEXT: Record<number, string> = {
  20003: 'Authenticate',
  20404: 'The requested resource was not found',
  20429: 'Too Many Requests',
  20500: 'Internal Server Error',
  21211: "The 'To' number is not a valid phone number.",
  21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
  21610: 'Attempt to send to unsubscribed recipient',
  21614: "'To' number is not a valid mobile number",
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: number): void {
  const message = ERROR_TEXT[code] ?? 'Error';
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function basicAuth(req: IncomingMessage): { username: string; password: string } {
  const match = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return colon === -1
    ? { username: '', password: '' }
    : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function messageResource(accountSid: string, form: URLSearchParams) {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const now = new Date().toUTCString().replace('GMT', '+0000');
  const viaService = form.get('MessagingServiceSid');
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: form.get('Body'),
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.get('From'),
    messaging_service_sid: viaService,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid,
    // Twilio answers 'accepted' when a messaging service still has to pick the sender.
    status: viaService && !form.get('From') ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: form.get('To'),
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

/**
 * Starts the stand-in. It accepts the account's auth token, and the API key with its secret, for
 * STANDIN_ACCOUNT_SID; any other credentials get Twilio's 401 (20003).
 */
export async function startTwilioStandin(): Promise<TwilioStandin> {
  const requests: StandinRequest[] = [];
  const queued: StandinReply[] = [];
  const refused = new Map<string, number>();
  const accepted = new Set([
    `${STANDIN_ACCOUNT_SID}:${STANDIN_AUTH_TOKEN}`,
    `${STANDIN_API_KEY_SID}:${STANDIN_API_KEY_SECRET}`,
  ]);

  const server = createServer((req, res) => {
    void (async () => {
      const path = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
      const form = new URLSearchParams(await readBody(req));
      if (req.method !== 'POST' || !path?.[1]) return sendError(res, 404, 20404);
      const { username, password } = basicAuth(req);
      const seen: StandinRequest = {
        accountSid: path[1],
        username,
        password,
        contentType: req.headers['content-type'],
        to: form.get('To') ?? undefined,
        from: form.get('From') ?? undefined,
        body: form.get('Body') ?? undefined,
        messagingServiceSid: form.get('MessagingServiceSid') ?? undefined,
        answered: 0,
      };
      requests.push(seen);
      const reply = queued.shift() ?? { status: 201 };
      if (reply === 'drop') return void req.socket.destroy();
      seen.answered = reply.status;
      if (!accepted.has(`${username}:${password}`) || path[1] !== STANDIN_ACCOUNT_SID) {
        seen.answered = 401;
        return sendError(res, 401, 20003);
      }
      const refusal = seen.to === undefined ? undefined : refused.get(seen.to);
      if (refusal !== undefined) {
        seen.answered = 400;
        return sendError(res, 400, refusal);
      }
      if (reply.status === 201) return sendJson(res, 201, messageResource(path[1], form));
      const code = 'code' in reply && reply.code !== undefined ? reply.code : 20000 + reply.status;
      sendError(res, reply.status, code);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    reply: (...replies) => void queued.push(...replies),
    refuse: (to, code) => void refused.set(to, code),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
