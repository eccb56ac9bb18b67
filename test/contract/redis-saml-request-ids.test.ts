/**
 * The fleet's SAML AuthnRequest ids in Redis: a sign-in started on one instance is accepted when
 * the IdP's answer is posted to another, once; with ids kept per instance it is refused there.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, deleteKeysUnder, type RedisConnection } from '../../adapters/redis/client.js';
import { RedisRequestIdCache } from '../../adapters/redis/saml-request-ids.js';
import { silentLogger } from '../../bin/logger.js';
import { DependencyUnavailableError, SamlRejectedError } from '../../gateway/ports.js';
import { authnRequestOf, samlResponse, serviceProvider } from '../helpers/saml-idp.js';

const url = process.env.STEPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `stepgate-test:${randomUUID()}:`;
const ADA = { nameId: 'ada@example.org', email: 'ada@example.org', userType: 'Portal' };
const HOUR = 3_600_000;

const connections: RedisConnection[] = [];

beforeAll(async () => {
  for (let i = 0; i < 2; i += 1) {
    const connection = connectRedis(url, { logger: silentLogger });
    connections.push(connection);
    if (!(await connection.waitUntilReady(5_000))) throw new Error(`no Redis answers at ${url}`);
  }
});

afterAll(async () => {
  if (connections[0]) await deleteKeysUnder(connections[0].client, prefix);
  for (const connection of connections) await connection.close();
});

/** An instance's service provider, its request ids in Redis over its own connection. */
function instance(index: number) {
  const connection = connections[index];
  if (!connection) throw new Error('no Redis connection');
  return serviceProvider(
    {},
    { requestIds: new RedisRequestIdCache(connection.client, { ttlMs: HOUR, prefix }) },
  );
}

/** Starts a sign-in on `sp` and returns the IdP's signed answer to it. */
async function answerTo(
  sp: ReturnType<typeof serviceProvider>,
): Promise<{ id: string; SAMLResponse: string }> {
  const location = await sp.loginUrl('/docs');
  const { id } = await authnRequestOf(location, sp.metadata());
  return { id, SAMLResponse: await samlResponse(ADA, { metadata: sp.metadata(), inResponseTo: id }) };
}

describe('SAML AuthnRequest ids in Redis', () => {
  it('accepts on one instance the answer to a request sent by another, once', async () => {
    const [a, b] = [instance(0), instance(1)];
    const { id, SAMLResponse } = await answerTo(a);
    const other = connections[1]?.client;
    expect(await other?.pTTL(`${prefix}saml:request:${id}`)).toBeGreaterThan(HOUR - 60_000);

    expect((await b.validate({ SAMLResponse })).nameId).toBe('ada@example.org');
    await expect(a.validate({ SAMLResponse })).rejects.toBeInstanceOf(SamlRejectedError);
    await expect(b.validate({ SAMLResponse })).rejects.toBeInstanceOf(SamlRejectedError);
    expect(await other?.exists(`${prefix}saml:request:${id}`)).toBe(0);
  });

  it('is needed: with ids kept per instance, the other instance refuses the answer', async () => {
    const { SAMLResponse } = await answerTo(serviceProvider());
    await expect(serviceProvider().validate({ SAMLResponse })).rejects.toBeInstanceOf(SamlRejectedError);
  });

  it('fails closed, as unavailable rather than refused, when Redis cannot answer', async () => {
    const started = instance(0);
    const { SAMLResponse } = await answerTo(started);
    const closed = connectRedis(url, { logger: silentLogger });
    expect(await closed.waitUntilReady(5_000)).toBe(true);
    await closed.close();
    const cut = serviceProvider(
      {},
      { requestIds: new RedisRequestIdCache(closed.client, { ttlMs: HOUR, prefix }) },
    );
    await expect(cut.loginUrl('/docs')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(cut.validate({ SAMLResponse })).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
