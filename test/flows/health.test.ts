import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstream.js';

describe('health and readiness', () => {
  let upstream: EchoUpstream;
  let gw: TestGateway;
  beforeEach(async () => {
    upstream = await startEchoUpstream();
    gw = await startGateway({ upstreamUrl: upstream.url });
  });
  afterEach(async () => {
    await gw.close();
    await upstream.close();
  });

  it('answers /healthz and /readyz without a session', async () => {
    const health = await request(gw.app).get('/_stepgate/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(health.headers['set-cookie']).toBeUndefined();
    const ready = await request(gw.app).get('/_stepgate/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { store: 'ok', limiter: 'ok' } });
  });

  it('is not ready when the store does not answer', async () => {
    gw.store.ping = () => Promise.reject(new Error('disk gone'));
    const ready = await request(gw.app).get('/_stepgate/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'not_ready', checks: { store: 'unavailable', limiter: 'ok' } });
  });

  it('answers unknown gateway routes with a 404 in the form the client asked for', async () => {
    const json = await request(gw.app).get('/_stepgate/nothing-here').set('Accept', 'application/json');
    expect(json.status).toBe(404);
    expect(json.body).toEqual({ error: 'not_found', message: 'There is nothing at this address.' });
    const page = await request(gw.app).get('/_stepgate/nothing-here');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers malformed JSON with a clear 400, not a stack trace', async () => {
    const res = await request(gw.app)
      .post('/_stepgate/login')
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/json')
      .send('{"username": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_json', message: 'The request body is not valid JSON.' });
  });
});
