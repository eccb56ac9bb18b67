/**
 * Building the user search filter. The username is data, never filter syntax: RFC 4515 says
 * which characters a value must escape, and escaping them keeps `*` or `)(uid=*` from
 * widening the search to somebody else's entry.
 */
import { FilterParser, type Filter } from 'ldapts';

const PLACEHOLDER = '{username}';

/** The characters RFC 4515 §3 requires escaped in an assertion value, as `\XX`. */
const MUST_ESCAPE = /[\\*()\0]/g;

/**
 * Escapes a value for an LDAP filter. Only the characters RFC 4515 requires are escaped:
 * other characters, including non-ASCII ones, are valid as they are (ldapts turns a `\XX`
 * escape into one UTF-16 unit, so escaping the bytes of a UTF-8 character would garble it).
 */
export function escapeFilterValue(value: string): string {
  return value.replace(MUST_ESCAPE, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The search filter for one username. A replacer function, not a replacement string: in a
 * replacement string `$&` and `$'` mean parts of the match, and a username may contain them.
 */
export function userFilter(template: string, username: string): Filter {
  const escaped = escapeFilterValue(username);
  return FilterParser.parseString(template.replaceAll(PLACEHOLDER, () => escaped));
}

/** Throws when the configured template is not a filter, so a typo is found at start, not at sign-in. */
export function checkFilterTemplate(template: string): void {
  try {
    userFilter(template, 'username');
  } catch (error) {
    throw new Error(
      `logins.delegated.ldap.user_filter is not a valid LDAP filter: '${template}' (${(error as Error).message})`,
    );
  }
}
