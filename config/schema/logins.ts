/** stepgate.yaml `logins:`: direct, delegated (LDAP) and federated (SAML, OpenID Connect) sign-in. */
import { z } from 'zod';
import { httpUrl, RELATIVE } from './common.js';
import { ldapSchema } from './ldap.js';
import { oidcSchema } from './oidc.js';

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
    oidc: oidcSchema.optional(),
  })
  .describe('How people sign in.');
