/**
 * The LDAP directory adapter against a real OpenLDAP slapd (test/helpers/slapd.ts) holding
 * test/fixtures/ldap/people.ldif: who signs in, what stepgate learns about them, and which
 * usernames must match nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import { escapeFilterValue } from '../../adapters/ldap/filter.js';
import { DirectoryUnavailableError } from '../../gateway/ports.js';
import {
  DIRECTORY_ALICE_PASSWORD,
  DIRECTORY_PASSWORD,
  HELPDESK_DN,
  MIRA_MOBILE,
  TRAVELLERS_DN,
} from '../fixtures/ldap/people.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

let slapd: Slapd;
let directory: LdapDirectory;

beforeAll(async () => {
  slapd = await startSlapd();
  directory = new LdapDirectory(ldapConfig(slapd.url));
});
afterAll(async () => slapd?.stop());

/** A directory URL where nothing listens. */
async function closedPort(): Promise<string> {
  return (await deadUpstreamUrl()).replace('http://', 'ldap://');
}

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes exactly the five characters a filter value may not hold', () => {
    expect(escapeFilterValue('a\\b*c(d)e\0f')).toBe('a\\5cb\\2ac\\28d\\29e\\00f');
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
  });

  it('leaves other characters, non-ASCII ones included, as they are', () => {
    expect(escapeFilterValue("zoë.o'brien@example.org $&")).toBe("zoë.o'brien@example.org $&");
  });
});

describe('signing in against the directory', () => {
  it('signs in with the right password and maps the attributes', async () => {
    expect(await directory.authenticate('mira', DIRECTORY_PASSWORD)).toEqual({
      username: 'mira',
      email: 'mira@example.org',
      mobile: MIRA_MOBILE, // "+1 415 555 0100" in the directory
      userType: 'standard',
      groups: [],
      profile: undefined,
      permissionSets: [],
    });
  });

  it('looks a user up for the help desk without their password, and finds no one for a pattern', async () => {
    expect(await directory.lookup('mira')).toMatchObject({ username: 'mira', mobile: MIRA_MOBILE });
    expect(await directory.lookup('nobody')).toBeUndefined();
    expect(await directory.lookup('*')).toBeUndefined();
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    expect(await directory.authenticate('mira', 'directory secrets')).toBeUndefined();
    expect(await directory.authenticate('nobody', DIRECTORY_PASSWORD)).toBeUndefined();
  });

  it('gives the username as the directory spells it, whatever case was typed', async () => {
    expect((await directory.authenticate('MIRA', DIRECTORY_PASSWORD))?.username).toBe('mira');
    expect((await directory.authenticate('zoë', DIRECTORY_PASSWORD))?.username).toBe('zoë');
  });

  it('refuses an empty password or username without asking the directory', async () => {
    // An empty-password bind is an unauthenticated bind, which slapd accepts for any DN.
    expect(await directory.authenticate('mira', '')).toBeUndefined();
    const unreachable = new LdapDirectory(ldapConfig(await closedPort()));
    await expect(unreachable.authenticate('mira', '')).resolves.toBeUndefined();
    await expect(unreachable.authenticate(' ', DIRECTORY_PASSWORD)).resolves.toBeUndefined();
  });

  it('refuses a username that two entries carry, even with the right password', async () => {
    expect(await directory.authenticate('twin', DIRECTORY_PASSWORD)).toBeUndefined();
  });

  it('reads groups as the memberOf DNs the overlay maintains', async () => {
    const hugo = await directory.authenticate('hugo', DIRECTORY_PASSWORD);
    expect(hugo?.groups.toSorted()).toEqual([HELPDESK_DN, TRAVELLERS_DN]);
    const tara = await directory.authenticate('tara', DIRECTORY_PASSWORD);
    expect(tara?.groups).toEqual([TRAVELLERS_DN]);
  });

  it('reads the user type ignoring case; an unknown type is standard and an unreadable mobile is none', async () => {
    expect((await directory.authenticate('xena', DIRECTORY_PASSWORD))?.userType).toBe('external');
    expect((await directory.authenticate('paul', DIRECTORY_PASSWORD))?.userType).toBe('portal');
    const odile = await directory.authenticate('odile', DIRECTORY_PASSWORD);
    expect(odile).toMatchObject({ username: 'odile', userType: 'standard', mobile: undefined });
    expect((await directory.authenticate('nico', DIRECTORY_PASSWORD))?.mobile).toBeUndefined();
  });

  it('reads a profile and permission sets from the attributes the config names', async () => {
    const mapped = new LdapDirectory(
      ldapConfig(slapd.url, {
        attributes: { groups: 'memberof', profile: 'title', permission_sets: 'businessCategory' },
      }),
    );
    expect(await mapped.authenticate('odile', DIRECTORY_PASSWORD)).toMatchObject({
      profile: 'Help Desk',
      permissionSets: ['Email-Based Identity Confirmation Option', 'Night Shift'],
    });
    // The attribute name is matched ignoring case: slapd answers `memberOf` for `memberof`.
    expect((await mapped.authenticate('tara', DIRECTORY_PASSWORD))?.groups).toEqual([TRAVELLERS_DN]);
  });
});

describe('usernames that try to widen the search', () => {
  // With an AND filter, each of these would select exactly one real entry if it were not escaped.
  const strict = () =>
    new LdapDirectory(
      ldapConfig(slapd.url, { user_filter: '(&(objectClass=inetOrgPerson)(uid={username}))' }),
    );

  it('still signs in the real name through that filter', async () => {
    expect((await strict().authenticate('mira', DIRECTORY_PASSWORD))?.username).toBe('mira');
  });

  it.each([
    ['*', DIRECTORY_PASSWORD],
    ['mir*', DIRECTORY_PASSWORD],
    ['*)(uid=*', DIRECTORY_PASSWORD],
    ['mira)(uid=*', DIRECTORY_PASSWORD],
    ['*)(uid=mira', DIRECTORY_PASSWORD],
    ['alice)(|(uid=*', DIRECTORY_ALICE_PASSWORD],
    ['mira\0', DIRECTORY_PASSWORD],
    ['\\6dira', DIRECTORY_PASSWORD],
  ])('%j matches nobody', async (username, password) => {
    expect(await strict().authenticate(username, password)).toBeUndefined();
    expect(await directory.authenticate(username, password)).toBeUndefined();
  });
});

describe('the search account', () => {
  it('may be left out: an anonymous search finds people, but sees only what the ACL shows anyone', async () => {
    const anonymous = new LdapDirectory(
      ldapConfig(slapd.url, { bind_dn: undefined, bind_password: undefined }),
    );
    expect(await anonymous.authenticate('hugo', DIRECTORY_PASSWORD)).toMatchObject({
      username: 'hugo',
      email: 'hugo@example.org',
      groups: [], // memberOf is for the reader only in the fixture's ACL
    });
    expect((await anonymous.authenticate('mira', DIRECTORY_PASSWORD))?.mobile).toBeUndefined();
    expect(await anonymous.authenticate('hugo', 'wrong')).toBeUndefined();
    await expect(anonymous.ping()).resolves.toBeUndefined();
  });

  it('fails closed when its password is wrong: unavailable, not a refusal of the user', async () => {
    const misconfigured = new LdapDirectory(
      ldapConfig(slapd.url, { bind_password: 'not the reader password' }),
    );
    await expect(misconfigured.authenticate('mira', DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
      DirectoryUnavailableError,
    );
    await expect(misconfigured.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  it('answers ping when the directory is there', async () => {
    await expect(directory.ping()).resolves.toBeUndefined();
  });
});

describe('a config that cannot work', () => {
  it('is refused when the adapter is built', () => {
    expect(() => new LdapDirectory(ldapConfig(slapd.url, { bind_password: undefined }))).toThrow(
      'logins.delegated.ldap.bind_password must be set when bind_dn is set',
    );
    expect(() => new LdapDirectory(ldapConfig(slapd.url, { user_filter: '(uid={username}' }))).toThrow(
      /user_filter is not a valid LDAP filter/,
    );
  });
});
