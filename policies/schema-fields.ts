/**
 * Building blocks of the policy schema whose validation is more than a zod one-liner:
 * `when` matchers, networks, reprompt_after, and the check that rules name real
 * profiles and permission sets. Messages name the bad value, as `stepgate check` prints them.
 */
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import { parseCidr } from './cidr.js';

export const LOGIN_KINDS = ['direct', 'delegated', 'saml', 'oidc'] as const;
export const USER_TYPES = ['standard', 'portal', 'external'] as const;
export const ACTIONS = ['skip', 'confirm', 'confirm_always', 'deny'] as const;
/** The confirmation methods, by the ids SPEC §4 gives them; each has its settings under `methods:`. */
export const METHOD_IDS = ['sms', 'email', 'authenticator', 'webauthn', 'temporary_code'] as const;
export const PERMISSIONS = ['manage_identity_confirmation', 'email_identity_confirmation'] as const;

/** Every user holds this profile unless another one reaches them; it exists even when the file omits it. */
export const STANDARD_PROFILE = 'Standard User';

/** One of a fixed list of words, with a message that names the allowed ones. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed = new Set<string>(values);
  return z
    .string({ error: (issue) => mustBe(`one of ${values.join(', ')}`, issue.input) })
    .refine((value): value is T[number] => allowed.has(value), {
      error: (issue) => mustBe(`one of ${values.join(', ')}`, issue.input),
    })
    .meta({ enum: [...values] });
}

const CIDR = 'an IP address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32';

export const cidr = z
  .string({ error: (issue) => mustBe(CIDR, issue.input) })
  .refine((value) => parseCidr(value) !== undefined, { error: (issue) => mustBe(CIDR, issue.input) })
  .meta({ examples: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] });

/**
 * A `when` matcher: one value or a non-empty list of which any may match; always a list once parsed.
 * Item checks are refinements so that, of the two shapes, only the one the admin wrote reports
 * its problems (zod keeps the issues of the single union option that did not abort).
 */
export function oneOrMany<T>(item: z.ZodType<T, string>, what: string) {
  return z
    .union([item, z.array(item).min(1, 'must list at least one value')], {
      error: () => `must be ${what}, or a list of them`,
    })
    .transform((value): T[] => (Array.isArray(value) ? value : [value]));
}

export const nameText = z
  .string({ error: (issue) => mustBe('a name', issue.input) })
  .trim()
  .min(1, 'must not be empty');

/** 'never' (resolved to null) or a positive duration in milliseconds. */
export const repromptAfter = z
  .string({ error: (issue) => mustBeReprompt(issue.input) })
  .transform((value, ctx): number | null => {
    if (value === 'never') return null;
    const ms = parseDuration(value);
    // 0s would read as either "never" or "every sign-in"; neither guess is safe, so ask for words.
    if (ms === undefined || ms === 0) {
      ctx.addIssue({ code: 'custom', input: value, message: mustBeReprompt(value) });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ pattern: '^(never|[1-9]\\d*(s|m|h|d))$', examples: ['never', '30d'] });

function mustBeReprompt(value: unknown): string {
  return `must be 'never' or a duration such as '30d' but it is ${show(value)}`;
}

/** A message naming what is expected and the offending value; a missing key is simply required. */
export function mustBe(expected: string, input: unknown): string {
  return input === undefined ? 'is required' : `must be ${expected} but it is ${show(input)}`;
}

/** The offending value as the admin wrote it, quoted when it is text. */
export function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

/**
 * Profile and permission-set names are compared case-insensitively, so two differing only by
 * case clash. Only keys are read, so this runs even when some entries are invalid.
 */
export function uniqueIgnoringCase(what: string, builtIn: readonly string[] = []) {
  return (grants: unknown, ctx: z.RefinementCtx<unknown>): void => {
    if (!isRecord(grants)) return;
    const seen = new Map(builtIn.map((name) => [name.toLowerCase(), name]));
    for (const name of Object.keys(grants)) {
      const other = seen.get(name.toLowerCase());
      // The file may spell out a built-in profile exactly; only a different spelling clashes.
      if (other === undefined || other === name) {
        seen.set(name.toLowerCase(), name);
        continue;
      }
      const message = `${what} names are compared ignoring letter case, so this must differ from '${other}' but it is '${name}'`;
      ctx.addIssue({ code: 'custom', path: [name], input: name, message });
    }
  };
}

/**
 * Decisions are logged by rule name, so two rules with one name would make logs ambiguous.
 * Runs even when some rules are invalid, so every problem is reported at once.
 */
export function uniqueRuleNames(rules: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (!Array.isArray(rules)) return;
  const seen = new Map<string, number>();
  rules.forEach((rule: unknown, index) => {
    const name = isRecord(rule) ? rule.name : undefined;
    if (typeof name !== 'string') return;
    const first = seen.get(name.toLowerCase());
    if (first === undefined) {
      seen.set(name.toLowerCase(), index);
      return;
    }
    const message = `must be unique but it is '${name}', the name of rule ${first + 1} already`;
    ctx.addIssue({ code: 'custom', path: [index, 'name'], input: name, message });
  });
}

/**
 * `profile` and `permission_set` matchers must name profiles and sets the file defines,
 * else the rule could never match and the admin would not know. It runs even when other
 * parts of the file are invalid (so every problem is reported at once), hence the
 * defensive reading of a value that may be only partly parsed.
 */
export function checkRuleReferences(policy: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (!isRecord(policy) || !Array.isArray(policy.rules)) return;
  const known = {
    profile: namesOf(policy.profiles, [STANDARD_PROFILE]),
    permission_set: namesOf(policy.permission_sets, []),
  };
  policy.rules.forEach((rule: unknown, index) => {
    const when = isRecord(rule) ? rule.when : undefined;
    if (!isRecord(when)) return;
    for (const key of ['profile', 'permission_set'] as const) {
      const names = known[key];
      const wanted = when[key];
      if (names === undefined || !Array.isArray(wanted)) continue;
      wanted.forEach((name: unknown, position) => {
        if (typeof name !== 'string' || names.has(name.toLowerCase())) return;
        // A single value and a list of one read the same once parsed; both point at the matcher.
        const path = ['rules', index, 'when', key, ...(wanted.length > 1 ? [position] : [])];
        ctx.addIssue({ code: 'custom', path, input: name, message: unknownName(key, name, names) });
      });
    }
  });
}

function unknownName(key: 'profile' | 'permission_set', name: string, names: Map<string, string>): string {
  const where = key === 'profile' ? "a profile in 'profiles'" : "a permission set in 'permission_sets'";
  const list = [...names.values()].map((known) => `'${known}'`).join(', ') || 'none';
  return `must name ${where} (${list}) but it is '${name}'`;
}

/** Lowercased name -> name as written; undefined when the section itself is unusable. */
function namesOf(grants: unknown, builtIn: readonly string[]): Map<string, string> | undefined {
  if (!isRecord(grants)) return undefined;
  const names = new Map(builtIn.map((name) => [name.toLowerCase(), name]));
  for (const name of Object.keys(grants)) names.set(name.toLowerCase(), name);
  return names;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A rule's `methods:` names the methods that may answer its challenge, so it only goes with a
 * challenge (`confirm`, `confirm_always`), and a method it names must be enabled, or nobody could
 * ever pass. Runs even when other parts are invalid, reading defensively.
 */
export function checkRuleMethods(policy: unknown, ctx: z.RefinementCtx<unknown>): void {
  if (!isRecord(policy) || !Array.isArray(policy.rules)) return;
  const settings = isRecord(policy.methods) ? policy.methods : {};
  policy.rules.forEach((rule: unknown, index) => {
    if (!isRecord(rule) || !Array.isArray(rule.methods)) return;
    if (rule.then === 'skip' || rule.then === 'deny') {
      const message = `applies only to a rule whose then is confirm or confirm_always, but this one's is '${String(rule.then)}'`;
      ctx.addIssue({ code: 'custom', path: ['rules', index, 'methods'], input: rule.methods, message });
      return;
    }
    rule.methods.forEach((method: unknown, position) => {
      const own = typeof method === 'string' ? settings[method] : undefined;
      if (!isRecord(own) || own.enabled !== false) return;
      const message = `names '${String(method)}', which methods.${String(method)}.enabled turns off: nobody could pass this rule's challenge`;
      ctx.addIssue({ code: 'custom', path: ['rules', index, 'methods', position], input: method, message });
    });
  });
}
