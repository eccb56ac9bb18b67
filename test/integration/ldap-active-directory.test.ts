/**
 * The LDAP adapter against an Active-Directory-shaped directory in a real slapd
 * (test/fixtures/ldap/ad.ldif): no uid, the identity in sAMAccountName, people found by logon
 * name or principal name, national-format mobiles, employeeType values mapped to user types,
 * and groups in groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LdapDirectory } from '../../adapters/ldap/directory.js';
import { UnusableIdentityError } from '../../gateway/identity.js';
import type { Logger } from '../../gateway/ports.js';
import { DIRECTORY_PASSWORD } from '../fixtures/ldap/people.js';
import {
  AD_DIRECTORY,
  AD_USER_FILTER,
  HELPDESK_DN,
  MO_MOBILE,
  MO_SPELLINGS,
  NIGHT_SHIFT_DN,
  STAFF_DN,
} from '../fixtures/ldap/ad.js';
import { ldapConfig, startSlapd, type Slapd } from '../helpers/slapd.js';

let slapd: Slapd;

beforeAll(async () => {
  slapd = await startSlapd({ fixture: AD_DIRECTORY });
});
afterAll(async () => slapd?.stop());

/** A logger that keeps what it was told, to check what reaches the operators. */
function recordingLogger(): Logger & { lines: { level: string; message: string; fields: unknown }[] } {
  const lines: { level: string; message: string; fields: unknown }[] = [];
  const keep = (level: string) => (message: string, fields?: unknown) =>
    lines.push({ level, message, fields });
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** The configuration an Active Directory admin writes, on the AD-shaped fixture. */
function adDirectory(overrides: Record<string, unknown> = {}, logger?: Logger): LdapDirectory {
  const config = ldapConfig(
    slapd.url,
    {
      user_filter: AD_USER_FILTER,
      attributes: { username: 'sAMAccountName' },
      default_region: 'US',
      user_types: { Employee: 'standard', Contractor: 'external' },
      ...overrides,
    },
    AD_DIRECTORY,
  );
  return new LdapDirectory(config, { logger });
}

describe('one person, one identity', () => {
  it('is the entry’s sAMAccountName in one spelling, however the person typed their name', async () => {
    const directory = adDirectory();
    for (const typed of MO_SPELLINGS) {
      const mo = await directory.authenticate(typed, DIRECTORY_PASSWORD);
      expect(mo?.username, typed).toBe('mzhang');
    }
    expect((await directory.lookup('MO.ZHANG@CORP.EXAMPLE'))?.username).toBe('mzhang');
  });

  it('refuses an entry without the username attribute, after the password, and says why in the log', async () => {
    const logger = recordingLogger();
    const directory = adDirectory({}, logger);
    await expect(directory.authenticate('kiosk@corp.example', DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
      UnusableIdentityError,
    );
    const logged = logger.lines.find((line) => line.level === 'error');
    expect(JSON.stringify(logged)).toContain("username attribute 'sAMAccountName' has no value");
    expect(JSON.stringify(logged)).toContain('cn=Lobby Kiosk');
    // A wrong password learns nothing about the entry.
    expect(await directory.authenticate('kiosk@corp.example', 'not it')).toBeUndefined();
  });

  it('never falls back to the typed name when the configured attribute is not in the directory', async () => {
    // The configuration: the AD filter with the default `username: uid`, which AD lacks.
    const directory = adDirectory({ attributes: {} });
    await expect(directory.authenticate('MZHANG', DIRECTORY_PASSWORD)).rejects.toBeInstanceOf(
      UnusableIdentityError,
    );
  });
});

describe('mobile numbers in national format', () => {
  it('reads them with default_region', async () => {
    expect((await adDirectory().authenticate('mzhang', DIRECTORY_PASSWORD))?.mobile).toBe(MO_MOBILE);
  });

  it('without default_region, ignores such a number and logs it, without the number', async () => {
    const logger = recordingLogger();
    const directory = adDirectory({ default_region: undefined }, logger);
    expect((await directory.authenticate('mzhang', DIRECTORY_PASSWORD))?.mobile).toBeUndefined();
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.message).toMatch(/mobile number cannot be read/);
    expect(warning?.fields).toMatchObject({ user: 'mzhang', attribute: 'mobile', default_region: null });
    expect(JSON.stringify(logger.lines)).not.toContain('555');
  });

  it('logs a value that is no number in any country', async () => {
    const logger = recordingLogger();
    const lee = await adDirectory({}, logger).authenticate('lpark', DIRECTORY_PASSWORD);
    expect(lee?.mobile).toBeUndefined();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ user: 'lpark' }) }),
    );
  });
});

describe('user types through a mapping', () => {
  it('maps employeeType values, ignoring case: Employee is standard, Contractor external', async () => {
    const directory = adDirectory({ user_types: { employee: 'standard', CONTRACTOR: 'external' } });
    expect((await directory.authenticate('mzhang', DIRECTORY_PASSWORD))?.userType).toBe('standard');
    expect((await directory.authenticate('cdiaz', DIRECTORY_PASSWORD))?.userType).toBe('external');
  });

  it('reads a value the mapping does not name as standard', async () => {
    const directory = adDirectory({ user_types: {} });
    expect((await directory.authenticate('cdiaz', DIRECTORY_PASSWORD))?.userType).toBe('standard');
  });
});

describe('nested groups', () => {
  const sorted = (groups: string[] | undefined) => groups?.map((group) => group.toLowerCase()).toSorted();

  it('without nested_groups, are the direct groups only', async () => {
    const mo = await adDirectory().authenticate('mzhang', DIRECTORY_PASSWORD);
    expect(mo?.groups).toEqual([NIGHT_SHIFT_DN]);
  });

  it('with nested_groups: expand, follow the groups’ own memberOf to the top', async () => {
    const mo = await adDirectory({ nested_groups: 'expand' }).authenticate('MZHANG', DIRECTORY_PASSWORD);
    expect(sorted(mo?.groups)).toEqual(sorted([NIGHT_SHIFT_DN, HELPDESK_DN, STAFF_DN]));
    const cara = await adDirectory({ nested_groups: 'expand' }).lookup('cdiaz');
    expect(cara?.groups).toEqual([STAFF_DN]);
  });

  it('with nested_groups: true, expand on a directory that is not Active Directory', async () => {
    const directory = adDirectory({ nested_groups: true });
    const mo = await directory.authenticate('mo.zhang@corp.example', DIRECTORY_PASSWORD);
    expect(sorted(mo?.groups)).toEqual(sorted([NIGHT_SHIFT_DN, HELPDESK_DN, STAFF_DN]));
  });
});
