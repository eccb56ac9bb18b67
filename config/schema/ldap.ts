/** stepgate.yaml `logins.delegated.ldap`: delegated authentication against an LDAP directory (docs/ldap.md). */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { oneOf, USER_TYPES } from '../../policies/schema-fields.js';
import { RELATIVE } from './common.js';

const DEFAULT_ATTRIBUTES = {
  username: 'uid',
  email: 'mail',
  mobile: 'mobile',
  user_type: 'employeeType',
  groups: 'memberOf',
};

const tlsSchema = z
  .strictObject({
    ca_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        `PEM file of the certificate authorities that may sign the directory's certificate, instead of the system's. ${RELATIVE}`,
      ),
    starttls: z
      .boolean()
      .prefault(false)
      .describe(
        'Upgrade an ldap:// connection with StartTLS before anything is sent; a directory that refuses is unavailable, never used in plaintext.',
      ),
  })
  .prefault({})
  .describe("How the directory's certificate is checked (ldaps://, or ldap:// with StartTLS).");

const attributesSchema = z
  .strictObject({
    username: z
      .string()
      .prefault('uid')
      .describe(
        "Attribute holding the user's identity (uid, sAMAccountName): whatever name finds the entry, the user is this value, compared ignoring case. An entry without it cannot sign in.",
      ),
    email: z.string().prefault('mail').describe('Attribute holding the email address.'),
    mobile: z
      .string()
      .prefault('mobile')
      .describe(
        'Attribute holding the mobile number, international or (with default_region) national format; counts as verified. A value that is not a valid number is logged and ignored.',
      ),
    user_type: z
      .string()
      .prefault('employeeType')
      .describe('Attribute holding the user type: standard, portal or external, or a value user_types maps.'),
    groups: z
      .string()
      .prefault('memberOf')
      .describe('Attribute holding group DNs, matched by policy groups.'),
    profile: z
      .string()
      .optional()
      .describe('Attribute naming the policy profile; without it the profile comes from groups.'),
    permission_sets: z
      .string()
      .optional()
      .describe(
        'Attribute naming policy permission sets (several values allowed), besides those from groups.',
      ),
  })
  .prefault(DEFAULT_ATTRIBUTES)
  .describe('Which directory attributes stepgate reads.');

const region = z
  .string()
  .trim()
  .toUpperCase()
  .refine((value) => isSupportedCountry(value), {
    error: (issue) =>
      `must be an ISO 3166 alpha-2 country code such as 'US' or 'GB' but it is '${String(issue.input)}'`,
  });

export const ldapSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^ldaps?:\/\//, "must be an 'ldap://' or 'ldaps://' URL")
      .describe('Directory server, ldap:// or ldaps://.'),
    tls: tlsSchema,
    bind_dn: z.string().optional().describe('Account that searches for users; omit for an anonymous search.'),
    bind_password: z.string().optional().describe('Password of bind_dn; set it from the environment.'),
    base_dn: z.string().describe('Where users are searched for.'),
    user_filter: z
      .string()
      .includes('{username}', { message: "must contain '{username}'" })
      .prefault('(uid={username})')
      .describe('Search filter; {username} is replaced by the escaped user name (RFC 4515).'),
    attributes: attributesSchema,
    default_region: region
      .optional()
      .describe(
        "Country (ISO 3166 alpha-2) of directory mobile numbers written without a country code, such as '(415) 555-0102' for US.",
      ),
    user_types: z
      .record(z.string().min(1), oneOf(USER_TYPES))
      .prefault({})
      .describe(
        'User type for values of the user_type attribute, compared ignoring case, e.g. { Employee: standard, Contractor: external }. Values naming a type themselves need no entry; where values name several types, external wins over standard, and standard over portal; none is standard.',
      ),
    nested_groups: z
      .union([z.boolean(), oneOf(['in_chain', 'expand'])])
      .prefault(false)
      .describe(
        "Also count the groups a user's groups belong to. in_chain: one search with Active Directory's LDAP_MATCHING_RULE_IN_CHAIN; expand: read the groups' own group attribute, level by level (at most 10 levels, 500 groups); true: in_chain where the directory says it is Active Directory, else expand.",
      ),
    group_base_dn: z.string().optional().describe('Where in_chain searches for groups; base_dn when absent.'),
  })
  .superRefine(
    (ldap, ctx) => {
      if (typeof ldap !== 'object' || ldap === null) return;
      const { url, tls } = ldap as { url?: unknown; tls?: { starttls?: unknown } };
      if (tls?.starttls === true && typeof url === 'string' && url.startsWith('ldaps://')) {
        ctx.addIssue({
          code: 'custom',
          path: ['tls', 'starttls'],
          message: 'is for ldap:// URLs; an ldaps:// connection is encrypted from the start',
        });
      }
    },
    { when: () => true },
  )
  .describe('LDAP directory; the password is checked by binding as the user that the search finds.');
