/**
 * Turns zod issues into sentences that name the rule and the bad value, the way Authelia's
 * validator does: "must be one of 'memory', 'redis' but it is 'redsi'". Messages written in the
 * schemas win over these; the value is then appended to them.
 */
import { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Where in the YAML a problem is best shown. */
export type Anchor = 'value' | 'key' | 'parent';

export interface ExplainedIssue {
  path: PropertyKey[];
  message: string;
  anchor: Anchor;
}

const SECRET_KEY = /secret|password|token|encryption_key/i;
const LONGEST_SHOWN_VALUE = 60;

/** Values under these keys never appear in messages, which end up in logs and CI output. */
export function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

const TYPE_NOUNS: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  null: 'empty',
};

function typeNoun(expected: string): string {
  return TYPE_NOUNS[expected] ?? `of type ${expected}`;
}

/** What kind of value it is, for places where the value itself must not be shown. */
function describeKind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'boolean' ? 'true or false' : `a ${typeof value}`;
}

/** How a value reads in a message: scalars quoted, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === null || typeof value === 'object' || value === undefined) return describeKind(value);
  const text = String(value);
  return `'${text.length > LONGEST_SHOWN_VALUE ? `${text.slice(0, LONGEST_SHOWN_VALUE)}…` : text}'`;
}

function quoteAll(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(', ');
}

function plural(count: number | bigint, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, limit: number | bigint): string {
  const least = issue.code === 'too_small';
  const word = issue.exact ? 'exactly' : least ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      if (least && limit === 1 && !issue.exact) return 'must not be empty';
      return `must be ${word} ${plural(limit, 'character')} long`;
    case 'array':
    case 'set':
      return `must have ${word} ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
    default:
      if (issue.inclusive === false) return `must be ${least ? 'greater' : 'less'} than ${limit}`;
      return `must be ${word} ${limit}`;
  }
}

function formatRule(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  if ('prefix' in issue) return `must start with '${String(issue.prefix)}'`;
  if ('suffix' in issue) return `must end with '${String(issue.suffix)}'`;
  if ('includes' in issue) return `must contain '${String(issue.includes)}'`;
  if (issue.format === 'regex') return `must match the pattern ${issue.pattern ?? ''}`;
  if (issue.format === 'email') return 'must be an email address';
  if (issue.format === 'url') return 'must be a URL';
  return `must be a valid ${issue.format}`;
}

/** Alternatives of a union that failed on the value's type alone, e.g. "a string or a list". */
function alternatives(branches: readonly (readonly Issue[])[]): string | undefined {
  const words = new Set<string>();
  for (const branch of branches) {
    for (const issue of branch) {
      if (issue.code === 'invalid_type') words.add(typeNoun(issue.expected));
      else if (issue.code === 'invalid_value') words.add(quoteAll(issue.values));
      else return undefined;
    }
  }
  return words.size > 0 ? [...words].join(' or ') : undefined;
}

/**
 * The error map passed to safeParse. The raw issue's `inst` is the schema that raised it, which
 * is how an unknown key learns the keys its object allows.
 */
export const issueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      // The value is added later, once the full path tells whether it is a secret.
      return `must be ${typeNoun(issue.expected)}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${quoteAll(issue.values)}`;
      return `must be one of ${quoteAll(issue.values)}`;
    case 'too_small':
      return bound(issue as Extract<Issue, { code: 'too_small' }>, issue.minimum);
    case 'too_big':
      return bound(issue as Extract<Issue, { code: 'too_big' }>, issue.maximum);
    case 'invalid_format':
      return formatRule(issue as Extract<Issue, { code: 'invalid_format' }>);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys': {
      const allowed = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      return allowed.length > 0 ? `unknown key (allowed: ${allowed.join(', ')})` : 'unknown key';
    }
    case 'invalid_key':
      return `is not a valid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_element':
      return 'has an invalid entry';
    case 'invalid_union': {
      const either = alternatives(issue.errors);
      return either ? `must be ${either}` : 'does not match any of the allowed forms';
    }
    case 'custom':
      return 'is invalid';
    default:
      return undefined;
  }
};

function isTypeMismatch(issue: Issue): boolean {
  return (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.path.length === 0;
}

/**
 * A failed union says little by itself. When some alternatives failed on more than the value's
 * type, the one with the fewest issues is most likely what was meant; its issues are reported.
 */
function unwrapUnion(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const closest = issue.errors
    .filter((branch) => !branch.every(isTypeMismatch))
    .sort((a, b) => a.length - b.length)[0];
  if (!closest) return [issue];
  return closest.flatMap((inner) => unwrapUnion({ ...inner, path: [...issue.path, ...inner.path] }));
}

/** Appends the bad value unless the message names it already or the key holds a secret. */
function withValue(message: string, issue: Issue): string {
  const input = issue.input;
  if (message.includes('but it is') || input === undefined) return message;
  const secret = isSecretPath(issue.path);
  if (issue.code === 'invalid_type') {
    return `${message} but it is ${secret ? describeKind(input) : describeValue(input)}`;
  }
  if (Array.isArray(input)) {
    return issue.code === 'too_small' || issue.code === 'too_big'
      ? `${message} but it has ${input.length}`
      : message;
  }
  if (typeof input === 'object' && input !== null) return message;
  if (secret) {
    return typeof input === 'string' ? `${message} but it has ${plural(input.length, 'character')}` : message;
  }
  return `${message} but it is ${describeValue(input)}`;
}

/** One explained issue per problem the operator has to fix (an unknown key each, for instance). */
export function explainIssues(issues: readonly Issue[]): ExplainedIssue[] {
  return issues.flatMap(unwrapUnion).flatMap((issue): ExplainedIssue[] => {
    const { path, message } = issue;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message, anchor: 'key' }));
    }
    if (issue.code === 'invalid_key') return [{ path, message, anchor: 'key' }];
    if (issue.code === 'invalid_type' && issue.input === undefined)
      return [{ path, message, anchor: 'parent' }];
    return [{ path, message: withValue(message, issue), anchor: 'value' }];
  });
}
