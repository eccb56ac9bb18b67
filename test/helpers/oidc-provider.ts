/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port, for the tests of logins.oidc,
 * and a browser that follows redirects between it and stepgate with a cookie jar per host.
 *
 * The provider has one confidential client for stepgate, requires PKCE, and releases claims the
 * way providers do by default: the ID token carries sub and nonce, the rest comes from UserInfo.
 * Its sign-in page signs in whoever the test named (`signInAs`) without a form, and grants the
 * scopes asked for. A test may change the next ID token the token endpoint hands out (claims,
 * or the key it is signed with); it is signed again with the provider's own key, so what reaches
 * stepgate differs from a genuine token only where the test says.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { onTestFinished } from 'vitest';
import { CookieJar } from './http-client.js';
import { BASE, flowGateway, type FlowGateway } from './flow.js';

export interface OidcAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  user_type?: string;
  groups?: string[] | string;
}

export interface IdTokenChange {
  claims?: (claims: JWTPayload) => JWTPayload;
  /** 'stranger': a key of the same kid that is not in the provider's JWKS. */
  signWith?: 'provider' | 'stranger';
}

/** What the provider does with requests: answer, drop the connection, or never answer. */
export type ProviderMode = 'up' | 'dropping' | 'hanging';

export interface TestOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registers stepgate's redirect URI; the provider answers nothing before. */
  register(redirectUri: string): void;
  /** The person who signs in at the provider from now on. */
  signInAs(account: OidcAccount): void;
  /** The next sign-in at the provider ends with `access_denied`, as when the person declines. */
  refuseNext(): void;
  /** Changes the ID token of the next token response. */
  alterNextIdToken(change: IdTokenChange): void;
  /** How many token requests the provider answered with tokens. */
  readonly tokensIssued: number;
  setMode(mode: ProviderMode): void;
  close(): Promise<void>;
}

const CLIENT_ID = 'stepgate';
const CLIENT_SECRET = 'a-client-secret-for-the-stepgate-tests';
const KID = 'test-provider-key';

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' } };
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  const key = await signingKey();
  const stranger = await signingKey();
  const accounts = new Map<string, OidcAccount>();
  let current: OidcAccount = { sub: 'ada', email: 'ada@example.org', email_verified: true };
  accounts.set(current.sub, current);
  let refuse = false;
  let alteration: IdTokenChange | undefined;
  let mode: ProviderMode = 'up';
  let issued = 0;
  let provider: Provider | undefined;
  const hung = new Set<ServerResponse>();

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;

  function build(redirectUri: string): Provider {
    const built = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [key.jwk] },
      cookies: { keys: ['cookie-key-for-the-test-provider'] },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['preferred_username', 'user_type', 'groups'],
      },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
        Grant: 600,
      },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
      },
      findAccount: (_ctx: unknown, sub: string) => {
        const account = accounts.get(sub);
        return account && { accountId: sub, claims: () => ({ ...account }) };
      },
      // The client is ours: what it asks for is granted without a consent page, in the grant the
      // session already has (a new one would end the old, and the codes issued under it).
      loadExistingGrant: async (ctx: {
        oidc: {
          client: { clientId: string };
          session: { accountId: string; grantIdFor(clientId: string): string | undefined };
          params: { scope: string };
        };
      }) => {
        const { client, session, params } = ctx.oidc;
        const grantId = session.grantIdFor(client.clientId);
        const grant =
          (grantId === undefined ? undefined : await built.Grant.find(grantId)) ??
          new built.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope(params.scope);
        await grant.save();
        return grant;
      },
    });
    built.use(async (ctx: { path: string; body: unknown }, next: () => Promise<void>) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path !== '/token' || typeof body?.id_token !== 'string') return;
      issued += 1;
      const change = alteration;
      alteration = undefined;
      if (!change) return;
      const claims = change.claims ? change.claims(decodeJwt(body.id_token)) : decodeJwt(body.id_token);
      const signer = change.signWith === 'stranger' ? stranger : key;
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .sign(signer.privateKey);
      ctx.body = { ...body, id_token: idToken };
    });
    return built;
  }

  async function interaction(active: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await active.interactionDetails(req, res);
    if (refuse) {
      refuse = false;
      const result = { error: 'access_denied', error_description: 'The person declined to sign in.' };
      return active.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    const login = { accountId: current.sub };
    await active.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (mode === 'dropping') return void req.socket.destroy();
    if (mode === 'hanging') return void hung.add(res);
    const active = provider;
    if (!active) return void res.writeHead(503).end('no client registered yet');
    if (req.url?.startsWith('/interaction/')) {
      interaction(active, req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
      return;
    }
    active.callback()(req, res);
  });

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    register(redirectUri) {
      provider = build(redirectUri);
    },
    signInAs(account) {
      accounts.set(account.sub, account);
      current = account;
    },
    refuseNext() {
      refuse = true;
    },
    alterNextIdToken(change) {
      alteration = change;
    },
    get tokensIssued() {
      return issued;
    },
    setMode(next) {
      mode = next;
      if (next !== 'hanging') {
        for (const res of hung) res.socket?.destroy();
        hung.clear();
      }
    },
    close: async () => {
      for (const res of hung) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface Visit {
  status: number;
  url: URL;
  location?: string | undefined;
  body: Record<string, unknown>;
  text: string;
}

/**
 * A browser: one cookie jar per host and port, redirects followed by hand (so a test can stop at
 * a URL and do something else with it), HTML unless told to ask for JSON.
 */
export class Browser {
  private readonly jars = new Map<string, CookieJar>();

  jar(url: URL | string): CookieJar {
    const host = new URL(url).host;
    let jar = this.jars.get(host);
    if (!jar) this.jars.set(host, (jar = new CookieJar()));
    return jar;
  }

  /** One GET, its cookies kept. */
  async get(url: URL | string, accept = 'text/html'): Promise<Visit> {
    const target = new URL(url);
    const jar = this.jar(target);
    const headers: Record<string, string> = { Accept: accept };
    if (jar.header() !== '') headers.Cookie = jar.header();
    const res = await fetch(target, { headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    jar.take(res);
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const location = res.headers.get('location') ?? undefined;
    return { status: res.status, url: target, location, body, text };
  }

  /**
   * GETs `url` and follows redirects until an answer that is not one, or until the next URL is one
   * `stopAt` accepts (that URL is then returned unvisited, as `location`).
   */
  async follow(
    url: URL | string,
    stopAt: (next: URL) => boolean = () => false,
    accept?: string,
  ): Promise<Visit> {
    let visit = await this.get(url, accept);
    for (let hops = 0; visit.location !== undefined && hops < 20; hops += 1) {
      const next = new URL(visit.location, visit.url);
      if (stopAt(next)) return { ...visit, location: next.href };
      visit = await this.get(next, accept);
    }
    return visit;
  }
}

export const CALLBACK_PATH = `${BASE}/oidc/callback`;

export interface OidcSetup {
  idp: TestOidcProvider;
  gw: FlowGateway;
  /** Where the gateway listens: its public_url. */
  url: string;
}

/**
 * A provider and a gateway signing people in through it (logins.oidc with `oidc` on top), both
 * on loopback and closed when the test ends.
 */
export async function oidcGateway(
  options: { oidc?: Record<string, unknown>; policy?: unknown; issuer?: string } = {},
): Promise<OidcSetup> {
  const idp = await startOidcProvider();
  onTestFinished(() => idp.close());
  const gw = await flowGateway({
    publicUrlFromSocket: true,
    policy: options.policy,
    config: {
      logins: {
        oidc: {
          issuer: options.issuer ?? idp.issuer,
          client_id: idp.clientId,
          client_secret: idp.clientSecret,
          ...options.oidc,
        },
      },
    },
  });
  const { url } = await gw.listen();
  idp.register(`${url}${CALLBACK_PATH}`);
  return { idp, gw, url };
}

/** Starts a sign-in at /oidc/login and signs in at the provider: the callback URL the browser is sent to. */
export async function signInAtProvider(browser: Browser, url: string, returnTo = '/'): Promise<URL> {
  const start = `${url}${BASE}/oidc/login?return_to=${encodeURIComponent(returnTo)}`;
  const visit = await browser.follow(start, (next) => next.pathname === CALLBACK_PATH);
  if (visit.location === undefined)
    throw new Error(`no way back from the provider: ${visit.status} ${visit.text}`);
  return new URL(visit.location);
}
