/**
 * `ANY /authz/ext-authz/*` (Envoy ext_authz, HTTP service): the check request is the original one
 * with the path prefix put in front. Over real sockets, from a trusted peer; request targets that a
 * client library would normalise go over a raw socket.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { OpenApiContract } from '../helpers/openapi.js';
import { BASE, flowGateway, jsonAgent, signIn, type FlowGateway } from '../helpers/flow.js';
import { rawGet } from '../helpers/raw-http.js';

const contract = await OpenApiContract.load(new URL('../../docs/authz-api.yaml', import.meta.url), BASE);

const SKIP_ALL = { version: 1, rules: [{ name: 'let everyone through', then: 'skip' }] };
const PUBLIC_URL = 'https://gateway.example.com';
const PREFIX = `${BASE}/authz/ext-authz`;

async function envoyGateway(): Promise<{ gw: FlowGateway; url: string; cookie: string }> {
  const gw = await flowGateway({
    policy: SKIP_ALL,
    config: {
      server: {
        public_url: PUBLIC_URL,
        trusted_proxies: ['127.0.0.0/8'],
        allowed_return_hosts: ['*.apps.example.com'],
      },
      upstream: { public_paths: ['/public/'] },
    },
  });
  const { url } = await gw.listen();
  // public_url is https: the session cookie is Secure, set for a request that came over HTTPS.
  const { cookie } = await signIn(gw, 'alice', jsonAgent(gw, { 'X-Forwarded-Proto': 'https' }));
  return { gw, url, cookie: cookie ?? '' };
}

describe('ANY /authz/ext-authz/* (Envoy ext_authz)', () => {
  it('answers a signed-in session 200 with the identity headers, for any method', async () => {
    const { url, cookie } = await envoyGateway();
    for (const method of ['get', 'post', 'put', 'delete'] as const) {
      const client = request(url);
      const res = await client[method](`${PREFIX}/reports/2026?q=1`).set({
        Host: 'team.apps.example.com',
        Cookie: cookie,
        'X-Stepgate-User': 'root',
      });
      expect(res.status, method).toBe(200);
      expect(res.headers['x-stepgate-user']).toBe('alice');
      expect(res.headers['x-stepgate-login']).toBe('direct');
    }
  });

  it('sends a browser to sign in with the original URL, on the host it named', async () => {
    const { url } = await envoyGateway();
    const res = await request(url)
      .get(`${PREFIX}/reports?q=1`)
      .set({ Host: 'team.apps.example.com', 'X-Forwarded-Proto': 'https', Accept: 'text/html' })
      .redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(
      `${PUBLIC_URL}${BASE}/login?return_to=${encodeURIComponent('https://team.apps.example.com/reports?q=1')}`,
    );
  });

  it('takes the host from x-forwarded-host when the proxy sends one', async () => {
    const { url } = await envoyGateway();
    const res = await request(url)
      .get(`${PREFIX}/x`)
      .set({
        Host: 'stepgate.internal:9000',
        'X-Forwarded-Host': 'team.apps.example.com',
        Accept: 'text/html',
      })
      .redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain(encodeURIComponent('https://team.apps.example.com/x'));
  });

  it('gives an API client 401 JSON, and a POST too', async () => {
    const { url } = await envoyGateway();
    for (const method of ['get', 'post'] as const) {
      const client = request(url);
      const res = await client[method](`${PREFIX}/api`)
        .set({ Host: 'team.apps.example.com', Accept: 'application/json' })
        .redirects(0);
      contract.check(res);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('sign_in_required');
    }
  });

  it('lets a public path through without identity, and not an encoded-slash path to it', async () => {
    const { url, cookie } = await envoyGateway();
    const open = await rawGet(url, `${PREFIX}/public/app.css`, [
      ['Host', 'team.apps.example.com'],
      ['Cookie', cookie],
      ['X-Stepgate-User', 'root'],
    ]);
    expect(open.status).toBe(200);
    expect(open.headers['x-stepgate-user']).toBeUndefined();
    const encoded = await rawGet(url, `${PREFIX}/private/..%2Fpublic/x`, [
      ['Host', 'team.apps.example.com'],
      ['Accept', 'application/json'],
    ]);
    expect(encoded.status).toBe(401);
  });

  it('does not offer return_to to a host that is not allowed: the sign-in leads to the default page', async () => {
    const { url } = await envoyGateway();
    for (const host of ['apps.example.com', 'evil.example', 'team.apps.example.com.evil.example']) {
      const res = await request(url).get(`${PREFIX}/x`).set({ Host: host, Accept: 'text/html' }).redirects(0);
      expect(res.status, host).toBe(302);
      expect(res.headers.location, host).toBe(`${PUBLIC_URL}${BASE}/login`);
    }
  });
});
