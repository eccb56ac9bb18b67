/**
 * Turning a directory entry into the person the gateway knows: which attributes to ask for,
 * and how their values read (SPEC §3 `logins.delegated.ldap.attributes`).
 */
import type { Entry } from 'ldapts';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { DirectoryUser } from '../../gateway/ports.js';
import type { UserType } from '../../policies/types.js';
import type { LdapConfig } from './directory.js';

type AttributeMap = LdapConfig['attributes'];

const USER_TYPES: readonly UserType[] = ['standard', 'portal', 'external'];

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
 * typed them (`+1 415 555 0100`); a value that is not a valid international number is ignored,
 * as if there were none, rather than failing the sign-in: the user is then asked to register one.
 */
export function directoryMobile(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parsePhoneNumberFromString(value);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** `standard`, `portal` or `external` in any letter case; anything else is a standard user. */
export function directoryUserType(value: string | undefined): UserType {
  const folded = value?.toLowerCase();
  return USER_TYPES.find((type) => type === folded) ?? 'standard';
}

/**
 * The username as the directory spells it. The filter matched one of the attribute's values
 * (typically ignoring case); prefer that one, so `ALICE` signs in as the directory's `alice`.
 */
function directoryUsername(entry: Entry, attribute: string, typed: string): string {
  const values = valuesOf(entry, attribute);
  return values.find((value) => value.toLowerCase() === typed.toLowerCase()) ?? values[0] ?? typed;
}

export function toDirectoryUser(entry: Entry, map: AttributeMap, typedUsername: string): DirectoryUser {
  return {
    username: directoryUsername(entry, map.username, typedUsername),
    email: firstValue(entry, map.email),
    mobile: directoryMobile(firstValue(entry, map.mobile)),
    userType: directoryUserType(firstValue(entry, map.user_type)),
    groups: valuesOf(entry, map.groups),
    profile: firstValue(entry, map.profile),
    permissionSets: map.permission_sets === undefined ? [] : valuesOf(entry, map.permission_sets),
  };
}
