/** stepgate.yaml `logins:`: direct, delegated (LDAP) and federated (SAML) sign-in. */
import { z } from 'zod';
import { httpUrl, RELATIVE } from './common.js';

const ldapSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^ldaps?:\/\//, "must be an 'ldap://' or 'ldaps://' URL")
      .describe('Directory server, ldap:// or ldaps://.'),
    bind_dn: z.string().optional().describe('Account that searches for users; omit for an anonymous search.'),
    bind_password: z.string().optional().describe('Password of bind_dn; set it from the environment.'),
    base_dn: z.string().describe('Where users are searched for.'),
    user_filter: z
      .string()
      .includes('{username}', { message: "must contain '{username}'" })
      .prefault('(uid={username})')
      .describe('Search filter; {username} is replaced by the escaped user name (RFC 4515).'),
    attributes: z
      .strictObject({
        username: z
          .string()
          .prefault('uid')
          .describe(
            'Attribute holding the username as the directory spells it (the one user_filter matches).',
          ),
        email: z.string().prefault('mail').describe('Attribute holding the email address.'),
        mobile: z
          .string()
          .prefault('mobile')
          .describe(
            'Attribute holding the mobile number in international format; counts as verified. A value that is not a valid number is ignored.',
          ),
        user_type: z
          .string()
          .prefault('employeeType')
          .describe('Attribute holding the user type: standard, portal or external.'),
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
      .prefault({
        username: 'uid',
        email: 'mail',
        mobile: 'mobile',
        user_type: 'employeeType',
        groups: 'memberOf',
      })
      .describe('Which directory attributes stepgate reads.'),
  })
  .describe('LDAP directory; the password is checked by binding as the user that the search finds.');

const samlSchema = z
  .strictObject({
    entry_point: httpUrl.describe('IdP single sign-on URL.'),
    idp_issuer: z.string().describe('Entity id of the identity provider; responses from others are refused.'),
    idp_cert: z
      .union([z.string(), z.array(z.string()).min(1)])
      .describe(
        `IdP signing certificate: a path or inline PEM, or a list of them during rollover. ${RELATIVE}`,
      ),
    issuer: z.string().prefault('stepgate').describe('Our SP entity id.'),
    attributes: z
      .strictObject({
        email: z.string().prefault('email').describe('Assertion attribute holding the email address.'),
        user_type: z.string().prefault('userType').describe('Assertion attribute holding the user type.'),
        groups: z.string().prefault('groups').describe('Assertion attribute holding the groups.'),
      })
      .prefault({ email: 'email', user_type: 'userType', groups: 'groups' })
      .describe(
        'Which assertion attributes stepgate reads, each matched by its Name or, when no Name matches, its FriendlyName.',
      ),
    allow_idp_initiated: z
      .boolean()
      .prefault(false)
      .describe(
        'Accept responses that answer no AuthnRequest of ours (IdP-initiated sign-in). Off by default: anyone can make a browser post such a response, signing it in as someone else (login CSRF).',
      ),
    sp_private_key: z
      .string()
      .optional()
      .describe(
        `Our SP private key (unencrypted PEM): a path or inline PEM. With sp_certificate, AuthnRequests are signed and assertions encrypted to sp_certificate are accepted. ${RELATIVE}`,
      ),
    sp_certificate: z
      .string()
      .optional()
      .describe(
        `The certificate of sp_private_key, published in the SP metadata for signing and encryption: a path or inline PEM. ${RELATIVE}`,
      ),
  })
  .superRefine(
    (saml, ctx) => {
      if (typeof saml !== 'object' || saml === null) return;
      const { sp_private_key: key, sp_certificate: certificate } = saml as Record<string, unknown>;
      if ((key === undefined) === (certificate === undefined)) return;
      const missing = key === undefined ? 'sp_private_key' : 'sp_certificate';
      const other = key === undefined ? 'sp_certificate' : 'sp_private_key';
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${other} is set` });
    },
    { when: () => true },
  )
  .describe('Federated sign-in as a SAML service provider; these users are never challenged.');

export const loginsSchema = z
  .strictObject({
    direct: z
      .strictObject({ users_file: z.string().describe(`Path of users.yaml. ${RELATIVE}`) })
      .optional()
      .describe('Direct sign-in with a password from the users file.'),
    delegated: z
      .strictObject({ ldap: ldapSchema })
      .optional()
      .describe('Delegated authentication: the password is checked by a directory.'),
    saml: samlSchema.optional(),
  })
  .describe('How people sign in.');
