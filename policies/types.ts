/** How the person proved who they are before any confirmation. */
export type LoginKind = 'direct' | 'delegated' | 'saml' | 'oidc';
export type UserType = 'standard' | 'portal' | 'external';
export type Action = 'skip' | 'confirm' | 'confirm_always' | 'deny';

/** Everything the policy may look at for one sign-in. Profile and permission sets are already resolved. */
export interface SignInContext {
  entryPoint: string;
  login: LoginKind;
  userType: UserType;
  profile: string;
  permissionSets: readonly string[];
  groups: readonly string[];
  sourceIp: string;
}

/** A policy decision and the name of the rule that made it, so logs and history can say why. */
export interface Decision {
  action: Action;
  rule: string;
  /** The only methods that may answer the challenge (the rule's `methods:`); any when absent. */
  methods?: readonly string[] | undefined;
}

/** What a user holds once their profile and permission sets are worked out. */
export interface Entitlements {
  profile: string;
  permissionSets: string[];
  permissions: ReadonlySet<string>;
}

/** Where profiles and permission sets come from for one user, before the policy resolves them. */
export interface EntitlementSources {
  /** Profile named by the users file or directory, if any. */
  profile?: string | undefined;
  /** Permission sets from the users file / directory and from admin assignments. */
  permissionSets: readonly string[];
  /** Directory or SAML group values, matched case-insensitively against `groups:` in the policy. */
  groups: readonly string[];
}
