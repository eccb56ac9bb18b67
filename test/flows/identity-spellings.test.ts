/**
 * One person, one identity for the login kinds other than the directory (that one is in
 * ldap-identity.test.ts): a SAML NameID and the name the IdP sidecar sends are compared ignoring
 * case, so `Mo.Zhang@Corp.Example` and `mo.zhang@corp.example` share limits and one history.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { SamlIdentity, SamlServiceProvider } from '../../gateway/ports.js';
import { BASE, RATE_LIMITED, flowGateway, messagesTo, type FlowGateway } from '../helpers/flow.js';
import { authenticatorCredential } from '../../gateway/factors/authenticator/index.js';

const TOKEN = 'keycloak-sidecar-token-0123456789abcdefghij';
const MOBILE = '+14155550102';

/**
 * An identity provider whose answers are taken as valid: the signature checks are the SAML
 * adapter's business (saml.test.ts); here only the NameID matters. The response is the NameID.
 */
function trustingIdentityProvider(): SamlServiceProvider {
  return {
    metadata: () => '<EntityDescriptor/>',
    loginRequest: async () => ({ url: 'https://idp.example.org/sso', requestId: '_none' }),
    validate: async (body): Promise<SamlIdentity> => ({
      nameId: body.SAMLResponse ?? '',
      assertionId: randomUUID(),
      validUntil: new Date(Date.now() + 60_000),
      groups: [],
    }),
  };
}

describe('SAML NameIDs that differ only in case', () => {
  it('are one user: one history, one name for the application', async () => {
    const gw = await flowGateway({ saml: trustingIdentityProvider() });
    for (const nameId of ['Mo.Zhang@Corp.Example', 'mo.zhang@corp.example', 'MO.ZHANG@CORP.EXAMPLE']) {
      const agent = request.agent(gw.app);
      const res = await agent.post(`${BASE}/saml/acs`).type('form').send({ SAMLResponse: nameId });
      expect(res.status, res.text).toBe(303);
      const app = await agent.get('/app');
      expect(app.body.headers['x-stepgate-user']).toBe('mo.zhang@corp.example');
    }
    const history = await gw.store.queryHistory({ limit: 10 });
    expect(history.map((entry) => [entry.user, entry.status])).toEqual(
      Array(3).fill(['mo.zhang@corp.example', 'Skipped']),
    );
  });
});

describe('names the IdP sidecar sends in different cases', () => {
  function sidecar(gw: FlowGateway) {
    return (path: string, body: object) =>
      request(gw.app).post(`${BASE}/sidecar/v1${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body);
  }

  it('share one SMS allowance', async () => {
    const gw = await flowGateway({
      config: { admin: { api_tokens: [{ name: 'keycloak', token: TOKEN, scopes: ['sidecar'] }] } },
    });
    const call = sidecar(gw);
    const sends: number[] = [];
    for (const [user, times] of [
      ['MZhang', 3],
      ['mzhang', 2],
      ['MZHANG', 1],
    ] as const) {
      const evaluated = await call('/evaluate', {
        user,
        login: 'delegated',
        client_ip: '198.51.100.7',
        mobile: MOBILE,
      });
      expect(evaluated.status, evaluated.text).toBe(201);
      for (let i = 0; i < times; i++) {
        const sent = await call(`/transactions/${evaluated.body.transaction_id}/send`, { method: 'sms' });
        sends.push(sent.status);
        if (sent.status === 429) expect(sent.body.message).toBe(RATE_LIMITED);
      }
    }
    expect(sends).toEqual([200, 200, 200, 200, 200, 429]);
    expect(messagesTo(gw, 'sms', MOBILE)).toHaveLength(5);
  });

  it('find the same records through /users/{user}/configured', async () => {
    const gw = await flowGateway({
      config: { admin: { api_tokens: [{ name: 'keycloak', token: TOKEN, scopes: ['sidecar'] }] } },
    });
    await gw.store.saveCredential(
      authenticatorCredential({
        user: 'mzhang',
        secret: 'JBSWY3DPEHPK3PXP',
        createdAt: new Date(),
        lastUsedStep: null,
      }),
    );
    const res = await request(gw.app)
      .get(`${BASE}/sidecar/v1/users/MZhang/configured`)
      .set('Authorization', `Bearer ${TOKEN}`);
    expect(res.body).toMatchObject({ user: 'mzhang', configured: true, authenticator: true });
  });
});
