/**
 * The passport-saml adapter on its own: how `logins.saml.idp_cert` is read (path, inline PEM, a
 * list for rollover), what a configuration mistake says at start-up, and what a validated
 * response tells the gateway (the assertion id and lifetime the replay cache keys on, attributes).
 */
import { describe, expect, it } from 'vitest';
import { SamlConfigError } from '../../adapters/saml/service-provider.js';
import { SamlRejectedError } from '../../gateway/ports.js';
import { decode, fixture, fixturePath, samlResponse, serviceProvider } from '../helpers/saml-idp.js';

const ADA = {
  nameId: 'ada@example.org',
  email: 'ada@example.org',
  userType: 'Portal',
  groups: ['a', 'b & c'],
};

async function accepts(
  sp: ReturnType<typeof serviceProvider>,
  signedBy: 'idp' | 'attacker' = 'idp',
): Promise<boolean> {
  const SAMLResponse = await samlResponse(ADA, { metadata: sp.metadata(), signedBy });
  try {
    await sp.validate({ SAMLResponse });
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(SamlRejectedError);
    return false;
  }
}

describe('idp_cert', () => {
  it('reads a certificate file, or inline PEM, and trusts only that key', async () => {
    const fromFile = serviceProvider({ idp_cert: fixturePath('idp.crt') });
    expect(await accepts(fromFile)).toBe(true);
    expect(await accepts(fromFile, 'attacker')).toBe(false);
    const inline = serviceProvider({ idp_cert: fixture('idp.crt') });
    expect(await accepts(inline)).toBe(true);
    expect(await accepts(inline, 'attacker')).toBe(false);
  });

  it('trusts every certificate of a list, for rollover', async () => {
    const rollover = serviceProvider({ idp_cert: [fixturePath('attacker.crt'), fixture('idp.crt')] });
    expect(await accepts(rollover)).toBe(true);
    expect(await accepts(rollover, 'attacker')).toBe(true);
    expect(await accepts(serviceProvider({ idp_cert: [fixturePath('attacker.crt')] }))).toBe(false);
  });

  it('names a certificate file that cannot be read', () => {
    const missing = '/nonexistent/idp.pem';
    expect(() => serviceProvider({ idp_cert: [fixturePath('idp.crt'), missing] })).toThrow(SamlConfigError);
    expect(() => serviceProvider({ idp_cert: missing })).toThrow(
      `logins.saml: option 'idp_cert' names the file '${missing}', which cannot be read (ENOENT)`,
    );
  });

  it('names a file or inline value that holds no certificate', () => {
    expect(() => serviceProvider({ idp_cert: fixturePath('idp.key') })).toThrow(
      `logins.saml: option 'idp_cert' file '${fixturePath('idp.key')}' holds no PEM certificate`,
    );
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----';
    expect(() => serviceProvider({ idp_cert: broken })).toThrow(
      /entry 1 \(inline PEM\) holds a certificate that cannot be parsed/,
    );
  });
});

describe('a validated response', () => {
  it('gives the assertion id and keeps it until NotOnOrAfter plus the clock skew', async () => {
    const sp = serviceProvider({}, { clockSkewMs: 5_000 });
    const notOnOrAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * 60_000);
    const SAMLResponse = await samlResponse(ADA, { metadata: sp.metadata(), notOnOrAfter });
    const assertionId = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(decode(SAMLResponse))?.[1];
    const responseId = /<samlp:Response [^>]*ID="([^"]+)"/.exec(decode(SAMLResponse))?.[1];
    const identity = await sp.validate({ SAMLResponse });
    expect(identity.assertionId).toBe(assertionId);
    expect(identity.assertionId).not.toBe(responseId);
    expect(identity.validUntil.getTime()).toBe(notOnOrAfter.getTime() + 5_000);
  });

  it('maps the configured attributes, groups with all their values', async () => {
    const sp = serviceProvider();
    const identity = await sp.validate({
      SAMLResponse: await samlResponse(ADA, { metadata: sp.metadata() }),
    });
    expect(identity).toMatchObject({
      nameId: 'ada@example.org',
      email: 'ada@example.org',
      userType: 'Portal',
    });
    expect(identity.groups).toEqual(['a', 'b & c']);

    const renamed = serviceProvider({ attributes: { email: 'mail', user_type: 'kind', groups: 'groups' } });
    const other = await renamed.validate({
      SAMLResponse: await samlResponse(ADA, { metadata: renamed.metadata() }),
    });
    expect(other.email).toBeUndefined();
    expect(other.userType).toBeUndefined();
    expect(other.groups).toEqual(['a', 'b & c']);
  });
});
