/** stepgate.yaml `admin:`: the tokens of the admin and sidecar APIs. */
import { z } from 'zod';

const TOKEN_MIN = 'must be at least 32 characters';

const apiToken = z.union([
  z
    .string()
    .min(32, TOKEN_MIN)
    .describe("A token with the scope 'admin', named by its position ('token-1')."),
  z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, . _ or -')
        .describe("Shown in the verification history as 'token:<name>'."),
      token: z.string().min(32, TOKEN_MIN).describe('The bearer token; set it from the environment.'),
      scopes: z
        .array(z.enum(['admin', 'sidecar']))
        .min(1)
        .describe("What the token may call: 'admin' (/admin/v1) and 'sidecar' (/sidecar/v1)."),
    })
    .describe('A named token with its scopes.'),
]);

/** The name a plain-string token goes by, from its 1-based position in the list. */
export function apiTokenName(entry: z.output<typeof apiToken>, index: number): string {
  return typeof entry === 'string' ? `token-${index + 1}` : entry.name;
}

export const adminSchema = z
  .strictObject({
    api_tokens: z
      .array(apiToken)
      .prefault([])
      .superRefine((tokens, ctx) => {
        const names = new Set<string>();
        const secrets = new Set<string>();
        tokens.forEach((entry, index) => {
          const name = apiTokenName(entry, index);
          if (names.has(name)) {
            ctx.addIssue({
              code: 'custom',
              path: typeof entry === 'string' ? [index] : [index, 'name'],
              message: `'${name}' names two tokens`,
            });
          }
          const secret = typeof entry === 'string' ? entry : entry.token;
          if (secrets.has(secret)) {
            ctx.addIssue({ code: 'custom', path: [index], message: 'repeats a token listed above' });
          }
          names.add(name);
          secrets.add(secret);
        });
      })
      .describe(
        "Bearer tokens for the admin and sidecar APIs (kept only as hashes in memory): a string (scope 'admin') or {name, token, scopes}.",
      ),
  })
  .describe('Help-desk and integration access.');
