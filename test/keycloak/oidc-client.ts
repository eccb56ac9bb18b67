/**
 * The application a person signs in to: a tiny OpenID Connect client on a loopback port. `/login`
 * sends the browser to Keycloak's authorization endpoint; `/callback` receives the code, exchanges
 * it at the token endpoint with the client secret, and shows who signed in. A code that Keycloak
 * really issued is the proof that the whole sign-in completed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SignedIn {
  /** preferred_username of the ID token. */
  username: string;
  /** The `acr`, `sid` and the rest, as Keycloak issued them. */
  claims: Record<string, unknown>;
}

export interface TestClient {
  readonly url: string;
  readonly redirectUri: string;
  /** Every sign-in whose code was exchanged, in order. */
  readonly signIns: SignedIn[];
  /** Every callback, exchanged or not (an error from Keycloak comes here too). */
  readonly callbacks: URLSearchParams[];
  /** Where Keycloak's realm is, once it is running. */
  issuer: string;
  close(): Promise<void>;
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><html lang="en"><head><title>${escape(title)}</title></head>` +
      `<body style="font-family: sans-serif; margin: 3rem"><h1>${escape(title)}</h1><p id="detail">${escape(body)}</p></body></html>`,
  );
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function startTestClient(clientId: string, clientSecret: string): Promise<TestClient> {
  const states = new Set<string>();
  const signIns: SignedIn[] = [];
  const callbacks: URLSearchParams[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => page(res, 500, 'Test client error', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;
  const client: TestClient = {
    url,
    redirectUri,
    signIns,
    callbacks,
    issuer: '',
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requested = new URL(req.url ?? '/', url);
    if (requested.pathname === '/login') {
      const state = randomBytes(16).toString('base64url');
      states.add(state);
      const auth = new URL(`${client.issuer}/protocol/openid-connect/auth`);
      auth.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state,
      }).toString();
      res.writeHead(302, { Location: auth.toString() });
      res.end();
      return;
    }
    if (requested.pathname !== '/callback') return page(res, 404, 'Not found', requested.pathname);
    callbacks.push(requested.searchParams);
    const state = requested.searchParams.get('state') ?? '';
    const code = requested.searchParams.get('code');
    if (!states.delete(state)) return page(res, 400, 'Unknown state', state);
    if (code === null) {
      return page(res, 400, 'Sign-in failed', requested.searchParams.get('error') ?? 'no code');
    }
    const token = await fetch(`${client.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    const answer = (await token.json()) as { id_token?: string; error?: string };
    if (!token.ok || answer.id_token === undefined) {
      return page(res, 502, 'Code exchange failed', `${token.status} ${answer.error ?? ''}`);
    }
    const claims = decodeJwtPayload(answer.id_token);
    const username = String(claims.preferred_username);
    signIns.push({ username, claims });
    page(res, 200, 'Signed in to the test application', username);
  }

  return client;
}
