/** The policy language: schema, compiled evaluation, the built-in default, and network helpers. */
export { NetworkSet, networkOf, normalizeIp, parseCidr, parseIp } from './cidr.js';
export type { IpFamily, ParsedCidr, ParsedIp } from './cidr.js';
export { NO_RULE_MATCHED, compilePolicy } from './compile.js';
export type { CompiledPolicy } from './compile.js';
export { DEFAULT_POLICY_YAML, defaultPolicy } from './default.js';
export {
  ACTIONS,
  LOGIN_KINDS,
  METHOD_IDS,
  PERMISSIONS,
  STANDARD_PROFILE,
  USER_TYPES,
  policySchema,
} from './schema.js';
export type { PolicyDocument, PolicyInput, PolicyRule, RuleConditions } from './schema.js';
export type * from './types.js';
export { policyWarnings } from './warnings.js';
export type { PolicyWarning } from './warnings.js';
