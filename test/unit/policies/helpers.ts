import { compilePolicy, type CompiledPolicy } from '../../../policies/compile.js';
import { policySchema, type PolicyInput } from '../../../policies/schema.js';
import type { SignInContext } from '../../../policies/types.js';

/** A direct sign-in by a standard user at the standard entry point, from a documentation address. */
export function signIn(overrides: Partial<SignInContext> = {}): SignInContext {
  return {
    entryPoint: 'standard',
    login: 'direct',
    userType: 'standard',
    profile: 'Standard User',
    permissionSets: [],
    groups: [],
    sourceIp: '198.51.100.20',
    ...overrides,
  };
}

export function policyOf(input: Omit<PolicyInput, 'version'>): CompiledPolicy {
  return compilePolicy(policySchema.parse({ version: 1, ...input }));
}

/** Every problem as `path: message`, the way `stepgate check` prints them. */
export function problemsOf(input: unknown): string[] {
  const result = policySchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
