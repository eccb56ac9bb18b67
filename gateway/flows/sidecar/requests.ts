/** What the IdP sends to evaluate a sign-in, checked field by field with messages that name the field. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';

const name = z.string().trim().min(1).max(256);

export const evaluateRequest = z.strictObject({
  user: name,
  login: z.enum(['direct', 'delegated', 'saml']),
  client_ip: z.string().refine((ip) => isIP(ip) !== 0, { message: 'must be an IPv4 or IPv6 address' }),
  entry_point: z.string().trim().min(1).max(64).optional(),
  user_type: z.enum(['standard', 'portal', 'external']).optional(),
  profile: name.optional(),
  permission_sets: z.array(name).max(100).optional(),
  groups: z.array(z.string().max(1024)).max(1000).optional(),
  email: z.email().optional(),
  mobile: z.string().max(32).optional(),
  user_agent: z.string().max(512).optional(),
});

export type EvaluateRequest = z.output<typeof evaluateRequest>;

/** The value at `path` in `body`, or undefined. */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    body,
  );
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${[...issue.path, key].join('.')}: is not a known field`);
    }
    const path = issue.path.join('.') || 'body';
    const missing = issue.path.length > 0 && valueAt(body, issue.path) === undefined;
    return [`${path}: ${missing ? 'is required' : issue.message}`];
  });
  throw new GatewayError(400, 'invalid_request', `The request is not valid: ${problems.join('; ')}.`, {
    problems,
  });
}
