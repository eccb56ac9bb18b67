/**
 * The sidecar takes what a real Keycloak sends (test/keycloak/ runs one): a request without a
 * User-Agent, a browser's User-Agent longer than the history keeps, an IPv6 client address as Java
 * writes it (long form, with a zone), an email address without a dot in its domain, a username
 * with capitals. A refusal there would refuse the person's sign-in, since the provider fails
 * closed. Every request and answer is held to docs/sidecar-api.yaml.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { OpenApiContract } from '../helpers/openapi.js';
import { BASE, NO_PROMPT, flowGateway, lastCode, type FlowGateway } from '../helpers/flow.js';

const contract = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);

const KEYCLOAK = 'keycloak-sidecar-token-0123456789abcdefghij';
const API_TOKENS = [{ name: 'keycloak', token: KEYCLOAK, scopes: ['sidecar' as const] }];

async function sidecarGateway(): Promise<FlowGateway> {
  return flowGateway({ policy: NO_PROMPT, config: { admin: { api_tokens: API_TOKENS } } });
}

async function post(gw: FlowGateway, path: string, body: object) {
  const url = `${BASE}/sidecar/v1${path}`;
  contract.checkRequest('post', url, body);
  const res = await request(gw.app).post(url).set('Authorization', `Bearer ${KEYCLOAK}`).send(body);
  contract.check(res);
  return res;
}

const evaluate = (gw: FlowGateway, body: object) =>
  post(gw, '/evaluate', {
    user: 'alice',
    login: 'direct',
    client_ip: '203.0.113.7',
    email: 'alice@example.com',
    ...body,
  });

async function confirmByEmail(gw: FlowGateway, transaction: string, email: string) {
  expect((await post(gw, `/transactions/${transaction}/send`, { method: 'email' })).status).toBe(200);
  const done = await post(gw, `/transactions/${transaction}/verify`, {
    method: 'email',
    code: lastCode(gw, 'email', email),
  });
  expect(done.body).toMatchObject({ decision: 'done', confirmation: 'email' });
}

async function lastEntry(gw: FlowGateway, user: string) {
  const [entry] = await gw.store.queryHistory({ user, limit: 1 });
  return entry;
}

describe('what a real Keycloak sends to the sidecar', () => {
  it('takes a sign-in without a User-Agent and records none', async () => {
    const gw = await sidecarGateway();
    const res = await evaluate(gw, {});
    expect(res.status).toBe(201);
    await confirmByEmail(gw, res.body.transaction_id as string, 'alice@example.com');
    expect(await lastEntry(gw, 'alice')).toMatchObject({ status: 'Succeeded', userAgent: null });
  });

  it("keeps the first 512 characters of a longer User-Agent instead of refusing the person's sign-in", async () => {
    const gw = await sidecarGateway();
    const browser = `Mozilla/5.0 (X11; Linux x86_64) ${'Extension/1.0 '.repeat(60)}`;
    const res = await evaluate(gw, { user_agent: browser });
    expect(res.status).toBe(201);
    await confirmByEmail(gw, res.body.transaction_id as string, 'alice@example.com');
    expect((await lastEntry(gw, 'alice'))?.userAgent).toBe(browser.slice(0, 512));
  });

  it('takes an IPv6 address as Java writes it, and records and remembers it in its usual form', async () => {
    const gw = await sidecarGateway();
    const res = await evaluate(gw, { client_ip: '2001:db8:0:0:0:0:0:7%0' });
    expect(res.status).toBe(201);
    await confirmByEmail(gw, res.body.transaction_id as string, 'alice@example.com');
    expect(await lastEntry(gw, 'alice')).toMatchObject({ status: 'Succeeded', sourceIp: '2001:db8::7' });
    const again = await evaluate(gw, { client_ip: '2001:db8::9' });
    expect(again.body).toMatchObject({ decision: 'skip', reason: 'remembered_network' });
  });

  it('takes an email address whose domain has no dot, as Keycloak allows, and sends the code there', async () => {
    const gw = await sidecarGateway();
    const res = await evaluate(gw, { email: 'alice@intranet' });
    expect(res.status).toBe(201);
    expect(res.body.methods).toEqual([{ id: 'email', destination: expect.stringContaining('@intranet') }]);
    await confirmByEmail(gw, res.body.transaction_id as string, 'alice@intranet');
  });

  it('still refuses an email field that is no address at all', async () => {
    const gw = await sidecarGateway();
    const url = `${BASE}/sidecar/v1/evaluate`;
    const res = await request(gw.app)
      .post(url)
      .set('Authorization', `Bearer ${KEYCLOAK}`)
      .send({ user: 'alice', login: 'direct', client_ip: '203.0.113.7', email: 'alice at example.com' });
    contract.check(res);
    expect(res.status).toBe(400);
    expect(res.body.problems).toEqual([expect.stringContaining('email: ')]);
  });

  it('takes a username with capitals', async () => {
    const gw = await sidecarGateway();
    const res = await evaluate(gw, { user: 'Alice.Smith' });
    expect(res.status).toBe(201);
    expect(res.body.decision).toBe('confirm');
  });
});
