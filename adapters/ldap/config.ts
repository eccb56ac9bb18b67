/** The resolved `logins.delegated.ldap` section the adapter works from (config/schema/ldap.ts). */
import type { Config } from '../../config/schema.js';

export type LdapConfig = NonNullable<Config['logins']['delegated']>['ldap'];
