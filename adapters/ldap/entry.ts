/**
 * Turning a directory entry into the person the gateway knows: which attributes to ask for,
 * and how their values read (SPEC §3 `logins.delegated.ldap.attributes`).
 */
import type { Entry } from 'ldapts';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { DirectoryUser, Logger } from '../../gateway/ports.js';
import { canonicalUsername, UnusableIdentityError } from '../../gateway/identity.js';
import { USER_TYPES } from '../../policies/schema-fields.js';
import type { UserType } from '../../policies/types.js';
import type { LdapConfig } from './config.js';

type AttributeMap = LdapConfig['attributes'];

/** The attributes one search asks for: the mapped ones, nothing else (no userPassword, no `*`). */
export function requestedAttributes(map: AttributeMap): string[] {
  const names = [
    map.username,
    map.email,
    map.mobile,
    map.user_type,
    map.groups,
    map.profile,
    map.permission_sets,
  ];
  return [...new Set(names.filter((name) => name !== undefined))];
}

/**
 * Every value of an attribute. Servers answer with their own spelling of the attribute name
 * (`memberOf` for a configured `memberof`), so the name is matched ignoring case.
 */
export function valuesOf(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const values = Object.entries(entry).flatMap(([name, value]) =>
    name !== 'dn' && name.toLowerCase() === wanted ? [value].flat() : [],
  );
  return values
    .map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : value).trim())
    .filter((value) => value !== '');
}

function firstValue(entry: Entry, attribute: string | undefined): string | undefined {
  return attribute === undefined ? undefined : valuesOf(entry, attribute)[0];
}

/**
 * A number an admin put in the directory, in E.164. Directories hold numbers the way people
 * typed them: `+1 415 555 0100`, or in national format, `(415) 555-0102`, which reads only with
 * the country `default_region` names. A value that still is not a valid number is none: the user
 * is asked to register one, rather than refused.
 */
export function directoryMobile(value: string | undefined, region?: string): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parsePhoneNumberFromString(value, region as CountryCode | undefined);
  return parsed?.isValid() ? parsed.number : undefined;
}

/**
 * Where values map to several types, the one that exempts least wins: only `portal` is ever
 * skipped by the default policy, so a value that also says `external` or `standard` overrides it.
 */
const TYPE_PRECEDENCE: readonly UserType[] = ['external', 'standard', 'portal'];

/**
 * The user type from every value of the attribute: a value mapped by `user_types` (e.g.
 * `Contractor: external`), else a value naming a type itself, in any letter case. None: standard.
 */
export function directoryUserType(values: readonly string[], mapping: LdapConfig['user_types']): UserType {
  const folded = new Map(Object.entries(mapping).map(([value, type]) => [value.toLowerCase(), type]));
  const types = new Set(
    values.map((value) => {
      const lower = value.toLowerCase();
      return folded.get(lower) ?? USER_TYPES.find((type) => type === lower);
    }),
  );
  return TYPE_PRECEDENCE.find((type) => types.has(type)) ?? 'standard';
}

/**
 * The person's identity: the entry's username attribute, never what was typed, so every spelling
 * that finds the entry (`MZHANG`, `mo.zhang@corp.example`) is one user. Missing or ambiguous is
 * an error, not a guess.
 */
function identityOf(entry: Entry, attribute: string): string {
  const names = [...new Set(valuesOf(entry, attribute).map(canonicalUsername))];
  if (names.length === 1 && names[0] !== undefined) return names[0];
  const problem = names.length === 0 ? 'has no value' : `has ${names.length} different values`;
  throw new UnusableIdentityError(
    `directory entry '${entry.dn}': its username attribute '${attribute}' ${problem}; ` +
      'logins.delegated.ldap.attributes.username must name a single-valued attribute every user entry holds',
  );
}

export interface EntryReading {
  config: Pick<LdapConfig, 'attributes' | 'user_types' | 'default_region'>;
  logger: Logger;
}

export function toDirectoryUser(entry: Entry, { config, logger }: EntryReading): DirectoryUser {
  const map = config.attributes;
  const username = identityOf(entry, map.username);
  const rawMobile = firstValue(entry, map.mobile);
  const mobile = directoryMobile(rawMobile, config.default_region);
  if (rawMobile !== undefined && mobile === undefined) {
    // The value stays out of the log: it is a phone number, or near enough to one.
    logger.warn('directory: a mobile number cannot be read; the user is asked to register one', {
      user: username,
      attribute: map.mobile,
      default_region: config.default_region ?? null,
    });
  }
  return {
    username,
    email: firstValue(entry, map.email),
    mobile,
    userType: directoryUserType(valuesOf(entry, map.user_type), config.user_types),
    groups: valuesOf(entry, map.groups),
    profile: firstValue(entry, map.profile),
    permissionSets: map.permission_sets === undefined ? [] : valuesOf(entry, map.permission_sets),
  };
}
