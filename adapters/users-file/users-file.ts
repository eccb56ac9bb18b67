/**
 * users.yaml (SPEC §3): the accounts that sign in directly. Read at start and again on
 * `reload()` (SIGHUP); a reload that fails validation keeps the accounts already loaded.
 */
import { z } from 'zod';
import { loadYamlFile, type LoadResult } from '../../config/yaml-loader.js';
import { isPasswordHash } from '../../gateway/flows/login/password.js';
import { canonicalUsername } from '../../gateway/identity.js';
import type { DirectUser, DirectUsers } from '../../gateway/ports.js';

const userSchema = z.strictObject({
  password_hash: z
    .string()
    .refine(isPasswordHash, { message: "must be a hash made by 'stepgate hash-password'" })
    .describe("Made by 'stepgate hash-password'."),
  email: z.email('must be an email address').optional(),
  mobile: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as '+14155550123'")
    .optional()
    .describe('Counts as verified: an admin put it here.'),
  user_type: z.enum(['standard', 'portal', 'external']).prefault('standard'),
  profile: z.string().optional(),
  permission_sets: z.array(z.string()).prefault([]),
  groups: z.array(z.string()).prefault([]),
  active: z.boolean().prefault(true).describe('Inactive users cannot sign in.'),
});

/**
 * A username is one identity whatever its letter case (gateway/identity.ts): two entries that
 * differ only in case would be one user with two passwords, so the file is refused.
 */
function uniqueIgnoringCase(users: unknown, ctx: z.RefinementCtx): void {
  if (typeof users !== 'object' || users === null) return;
  const first = new Map<string, string>();
  for (const name of Object.keys(users)) {
    const key = canonicalUsername(name);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, name);
    else
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `is the same user as '${earlier}': usernames are compared ignoring letter case`,
      });
  }
}

export const usersFileSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'usernames use letters, digits and . _ @ -'),
    userSchema,
  )
  .nullable()
  .superRefine(uniqueIgnoringCase, { when: () => true })
  .transform((users) => users ?? {})
  .describe('users.yaml: accounts that sign in directly with a password.');

export type UsersFileContent = z.output<typeof usersFileSchema>;

function toDirectUsers(content: UsersFileContent): Map<string, DirectUser> {
  const users = new Map<string, DirectUser>();
  for (const [name, entry] of Object.entries(content)) {
    const username = canonicalUsername(name);
    users.set(username, {
      username,
      passwordHash: entry.password_hash,
      email: entry.email,
      mobile: entry.mobile,
      userType: entry.user_type,
      profile: entry.profile,
      permissionSets: entry.permission_sets,
      groups: entry.groups,
      active: entry.active,
    });
  }
  return users;
}

export class UsersFile implements DirectUsers {
  private users = new Map<string, DirectUser>();

  private constructor(private readonly path: string) {}

  static async load(path: string): Promise<LoadResult<UsersFile>> {
    const file = new UsersFile(path);
    const result = await file.reload();
    return result.ok ? { ok: true, value: file } : result;
  }

  /** Static accounts, for tests and embedding. */
  static fromContent(content: UsersFileContent): UsersFile {
    const file = new UsersFile('(inline)');
    file.users = toDirectUsers(content);
    return file;
  }

  async reload(): Promise<LoadResult<number>> {
    const result = await loadYamlFile(this.path, usersFileSchema);
    if (!result.ok) return result;
    this.users = toDirectUsers(result.value);
    return { ok: true, value: this.users.size };
  }

  /** Usernames are matched without regard to case; the user is the canonical spelling of the name. */
  async find(username: string): Promise<DirectUser | undefined> {
    return this.users.get(canonicalUsername(username));
  }
}
