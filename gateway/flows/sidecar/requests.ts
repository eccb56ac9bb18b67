/**
 * What the IdP sends to evaluate a sign-in, checked field by field with messages that name the
 * field. It takes what a real Keycloak sends: an IPv6 address as Java writes it, an email address
 * its realm accepted, a browser's User-Agent of any length. Refusing those would refuse the
 * person's sign-in, because the IdP's authenticator fails closed.
 */
import { z } from 'zod';
import { LOGIN_KINDS, METHOD_IDS, normalizeIp } from '../../../policies/index.js';
import { GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';

const name = z.string().trim().min(1).max(256);

/** The history keeps this much of a User-Agent; a longer one is cut, not refused. */
const USER_AGENT_KEPT = 512;

/**
 * Any IPv4 or IPv6 text (Java's `0:0:0:0:0:0:0:1%0`, an IPv4-mapped address), recorded and
 * remembered in its canonical form, as the gateway records the addresses it sees itself.
 */
const clientIp = z.string().transform((ip, ctx) => {
  const canonical = normalizeIp(ip.trim());
  if (canonical === undefined) {
    ctx.addIssue({ code: 'custom', message: t('error.api.not_ip') });
    return z.NEVER;
  }
  return canonical;
});

/**
 * One `@` between two parts without spaces: Keycloak accepts addresses such as `alice@intranet`
 * that stricter patterns refuse, and the mail system is the judge of where it delivers.
 */
const email = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, { error: () => t('error.api.not_email') });

export const evaluateRequest = z.strictObject({
  user: name,
  login: z.enum(LOGIN_KINDS),
  client_ip: clientIp,
  entry_point: z.string().trim().min(1).max(64).optional(),
  user_type: z.enum(['standard', 'portal', 'external']).optional(),
  profile: name.optional(),
  permission_sets: z.array(name).max(100).optional(),
  groups: z.array(z.string().max(1024)).max(1000).optional(),
  email: email.optional(),
  mobile: z.string().max(32).optional(),
  user_agent: z
    .string()
    .transform((agent) => agent.slice(0, USER_AGENT_KEPT))
    .optional(),
  /**
   * The methods this IdP's authenticator can present. Without it, those answered with a typed
   * code: an authenticator written before passkeys shows a code field for every method.
   */
  methods: z.array(z.enum(METHOD_IDS)).min(1).max(METHOD_IDS.length).optional(),
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
      return issue.keys.map((key) => t('error.api.field_unknown', { path: [...issue.path, key].join('.') }));
    }
    const path = issue.path.join('.') || 'body';
    const missing = issue.path.length > 0 && valueAt(body, issue.path) === undefined;
    return [
      missing
        ? t('error.api.field_required', { path })
        : t('error.api.field_problem', { path, problem: issue.message }),
    ];
  });
  throw new GatewayError(
    400,
    'invalid_request',
    t('error.api.invalid_request', { problems: problems.join('; ') }),
    {
      problems,
    },
  );
}
