/**
 * The passport-saml adapter on its own: how `logins.saml.idp_cert` and the SP key pair are read
 * (path, inline PEM, a list for rollover), what a configuration mistake says at start-up, and what
 * a validated response tells the gateway (the assertion id and lifetime the replay cache keys on,
 * attributes by Name or FriendlyName).
 */
import { describe, expect, it } from 'vitest';
import { SamlConfigError } from '../../adapters/saml/service-provider.js';
import { loginsSchema } from '../../config/schema.js';
import { SamlRejectedError } from '../../gateway/ports.js';
import {
  IDP_ENTITY_ID,
  IDP_SSO_URL,
  SP_KEY,
  answerTo,
  decode,
  fixture,
  fixturePath,
  serviceProvider,
} from '../helpers/saml-idp.js';

const SAML = { entry_point: IDP_SSO_URL, idp_issuer: IDP_ENTITY_ID, idp_cert: fixturePath('idp.crt') };

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
  const SAMLResponse = await answerTo(sp, ADA, { signedBy });
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
    const SAMLResponse = await answerTo(sp, ADA, { notOnOrAfter });
    const assertionId = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(decode(SAMLResponse))?.[1];
    const responseId = /<samlp:Response [^>]*ID="([^"]+)"/.exec(decode(SAMLResponse))?.[1];
    const identity = await sp.validate({ SAMLResponse });
    expect(identity.assertionId).toBe(assertionId);
    expect(identity.assertionId).not.toBe(responseId);
    expect(identity.validUntil.getTime()).toBe(notOnOrAfter.getTime() + 5_000);
  });

  it('maps the configured attributes, groups with all their values', async () => {
    const sp = serviceProvider();
    const identity = await sp.validate({ SAMLResponse: await answerTo(sp, ADA) });
    expect(identity).toMatchObject({
      nameId: 'ada@example.org',
      email: 'ada@example.org',
      userType: 'Portal',
    });
    expect(identity.groups).toEqual(['a', 'b & c']);

    const renamed = serviceProvider({ attributes: { email: 'mail', user_type: 'kind', groups: 'groups' } });
    const other = await renamed.validate({ SAMLResponse: await answerTo(renamed, ADA) });
    expect(other.email).toBeUndefined();
    expect(other.userType).toBeUndefined();
    expect(other.groups).toEqual(['a', 'b & c']);
  });
});

describe('logins.saml.allow_idp_initiated', () => {
  it('is false unless the config says otherwise', () => {
    expect(loginsSchema.parse({ saml: SAML }).saml?.allow_idp_initiated).toBe(false);
    expect(
      loginsSchema.parse({ saml: { ...SAML, allow_idp_initiated: true } }).saml?.allow_idp_initiated,
    ).toBe(true);
  });
});

describe('attributes matched by Name or FriendlyName', () => {
  const MAIL_OID = 'urn:oid:0.9.2342.19200300.100.1.3';

  it('finds an attribute by its FriendlyName when no Name matches', async () => {
    const sp = serviceProvider({
      attributes: { email: 'mail', user_type: 'employeeType', groups: 'memberOf' },
    });
    const identity = await sp.validate({
      SAMLResponse: await answerTo(sp, {
        nameId: 'ada',
        attributes: [
          { name: MAIL_OID, friendlyName: 'mail', values: ['ada@example.org'] },
          { name: 'urn:oid:2.16.840.1.113730.3.1.4', friendlyName: 'employeeType', values: ['external'] },
          { name: 'urn:oid:1.2.840.113556.1.2.102', friendlyName: 'memberOf', values: ['g1', 'g2'] },
        ],
      }),
    });
    expect(identity).toMatchObject({ email: 'ada@example.org', userType: 'external', groups: ['g1', 'g2'] });
  });

  it("finds an attribute by its Name, which wins over another one's FriendlyName", async () => {
    const sp = serviceProvider({ attributes: { email: MAIL_OID, user_type: 'userType', groups: 'groups' } });
    const byName = await sp.validate({
      SAMLResponse: await answerTo(sp, {
        nameId: 'ada',
        attributes: [
          { name: 'urn:example:other', friendlyName: MAIL_OID, values: ['wrong@example.org'] },
          { name: MAIL_OID, friendlyName: 'mail', values: ['ada@example.org'] },
        ],
      }),
    });
    expect(byName.email).toBe('ada@example.org');
  });
});

describe('the SP key pair (sp_private_key, sp_certificate)', () => {
  it('reads a key and certificate from files or inline PEM', () => {
    expect(serviceProvider(SP_KEY).metadata()).toContain('AuthnRequestsSigned="true"');
    const inline = { sp_private_key: fixture('sp.key'), sp_certificate: fixture('sp.crt') };
    expect(serviceProvider(inline).metadata()).toContain('AuthnRequestsSigned="true"');
  });

  it('refuses a key and a certificate that do not belong together', () => {
    expect(() => serviceProvider({ ...SP_KEY, sp_certificate: fixturePath('idp.crt') })).toThrow(
      "logins.saml: options 'sp_private_key' and 'sp_certificate' do not belong together: the certificate is for another key",
    );
  });

  it('names a key or certificate that cannot be read', () => {
    const missing = '/nonexistent/sp.key';
    expect(() => serviceProvider({ ...SP_KEY, sp_private_key: missing })).toThrow(SamlConfigError);
    expect(() => serviceProvider({ ...SP_KEY, sp_private_key: missing })).toThrow(
      `logins.saml: option 'sp_private_key' names the file '${missing}', which cannot be read (ENOENT)`,
    );
    expect(() => serviceProvider({ ...SP_KEY, sp_private_key: fixturePath('sp.crt') })).toThrow(
      `logins.saml: option 'sp_private_key' file '${fixturePath('sp.crt')}' holds no unencrypted PEM private key`,
    );
    expect(() => serviceProvider({ ...SP_KEY, sp_certificate: fixturePath('sp.key') })).toThrow(
      `logins.saml: option 'sp_certificate' file '${fixturePath('sp.key')}' holds no PEM certificate`,
    );
    const broken = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----';
    expect(() => serviceProvider({ ...SP_KEY, sp_certificate: broken })).toThrow(
      "logins.saml: option 'sp_certificate' inline PEM holds a certificate that cannot be parsed",
    );
  });

  it('asks for both halves of the pair in the config', () => {
    const half = loginsSchema.safeParse({ saml: { ...SAML, sp_private_key: fixturePath('sp.key') } });
    expect(half.success).toBe(false);
    expect(half.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['saml.sp_certificate', 'is required when sp_private_key is set'],
    ]);
  });
});
