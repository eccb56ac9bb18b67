import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD, startGateway } from '../helpers/gateway.js';

describe('an upstream that accepts but never answers', () => {
  it('gets a 504 after upstream.timeout instead of hanging the client', async () => {
    const silent = createServer(() => undefined); // holds every request open
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const gw = await startGateway({
      upstreamUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      policy: { version: 1, rules: [{ name: 'all', then: 'skip' }] },
      config: { upstream: { timeout: '1s' } },
    });
    const agent = request.agent(gw.app);
    await agent.post('/_stepgate/login').send({ username: 'alice', password: TEST_PASSWORD });
    const res = await agent.get('/slow').set('Accept', 'application/json');
    expect(res.status).toBe(504);
    expect(res.body.error).toBe('upstream_timeout');
    await gw.close();
    silent.closeAllConnections();
    silent.close();
  });
});
