/**
 * A policy document compiled once into ordered, named checks. Evaluating a sign-in is a
 * pure function returning the decision and the rule that made it, so logs and history can
 * say why. When no rule matches, the user confirms: a gap in the rules must not open the door.
 */
import { NetworkSet, networkOf } from './cidr.js';
import { compileEntitlements } from './entitlements.js';
import { compileConditions, type Check } from './matchers.js';
import type { PolicyDocument } from './schema.js';
import type { Action, Decision, EntitlementSources, Entitlements, SignInContext } from './types.js';

export const NO_RULE_MATCHED = '(no rule matched)';

export interface CompiledPolicy {
  readonly document: PolicyDocument;
  /** First matching rule wins; with none, `confirm` under the rule name '(no rule matched)'. */
  evaluate(context: SignInContext): Decision;
  /** Sign-ins from `trusted_networks` are never challenged. False for anything that is not an IP address. */
  isTrustedNetwork(ip: string): boolean;
  /** The network remembered for an address, using ipv4_prefix / ipv6_prefix. Throws RangeError if `ip` is not an address. */
  networkOf(ip: string): string;
  entitlements(sources: EntitlementSources): Entitlements;
}

interface CompiledRule {
  readonly name: string;
  readonly action: Action;
  readonly methods?: readonly string[] | undefined;
  readonly matches: Check;
}

const FALLBACK: Decision = Object.freeze({ action: 'confirm', rule: NO_RULE_MATCHED });

export function compilePolicy(document: PolicyDocument): CompiledPolicy {
  const rules: readonly CompiledRule[] = document.rules.map((rule) => ({
    name: rule.name,
    action: rule.then,
    methods: rule.methods,
    matches: compileConditions(rule.when),
  }));
  const trusted = new NetworkSet(document.identity_confirmation.trusted_networks);
  const { ipv4_prefix: ipv4Prefix, ipv6_prefix: ipv6Prefix } = document.identity_confirmation;

  return {
    document,
    evaluate(context) {
      const rule = rules.find((candidate) => candidate.matches(context));
      if (!rule) return { ...FALLBACK };
      return rule.methods
        ? { action: rule.action, rule: rule.name, methods: rule.methods }
        : { action: rule.action, rule: rule.name };
    },
    isTrustedNetwork: (ip) => trusted.has(ip),
    networkOf: (ip) => networkOf(ip, ipv4Prefix, ipv6Prefix),
    entitlements: compileEntitlements(document),
  };
}
