/**
 * Who may use the help-desk tools (SPEC §1.8, §4): an API token with the scope `admin`, or a
 * person whose session is confirmed (or skipped by policy) and whose entitlements — the policy's
 * profiles and permission sets, with the assignments in the store — include
 * `manage_identity_confirmation`. A session still confirming has proved only a password.
 */
import type { Request, Response } from 'express';
import type { Actor } from '../../admin/service.js';
import { bearerToken, type TokenRegistry } from '../../admin/tokens.js';
import type { GatewayContext } from '../../context.js';
import { clientOf } from '../../context.js';
import { GatewayError, errors } from '../../errors.js';
import { t } from '../../i18n/index.js';
import type { SignedInUser } from '../../sessions.js';

export const MANAGE_PERMISSION = 'manage_identity_confirmation';

export const accessErrors = {
  noCredentials: () => new GatewayError(401, 'unauthorized', t('error.admin.no_credentials')),
  badToken: () => new GatewayError(401, 'unauthorized', t('error.api.bad_token')),
  wrongScope: () => new GatewayError(403, 'insufficient_scope', t('error.api.admin_scope')),
  unconfirmed: () => new GatewayError(401, 'confirmation_required', t('error.admin.unconfirmed')),
  noPermission: () => errors.forbidden(t('error.admin.no_permission', { permission: MANAGE_PERMISSION })),
};

/** The user's entitlements as a challenge sees them: sign-in source plus the store's assignments. */
export async function holdsManagePermission(ctx: GatewayContext, auth: SignedInUser): Promise<boolean> {
  const assigned = await ctx.ports.store.listPermissionSetAssignments(auth.user);
  const { permissions } = ctx.policy.current().entitlements({
    profile: auth.profile,
    permissionSets: [...auth.permissionSets, ...assigned.map((a) => a.permissionSet)],
    groups: auth.groups,
  });
  return permissions.has(MANAGE_PERMISSION);
}

/** A session allowed to act for the help desk, or the reason it is not. */
export async function sessionActor(ctx: GatewayContext, req: Request, via: 'api' | 'page'): Promise<Actor> {
  const auth = req.session?.auth;
  if (!auth) throw accessErrors.noCredentials();
  if (auth.stage !== 'confirmed' && auth.stage !== 'skipped') throw accessErrors.unconfirmed();
  if (!(await holdsManagePermission(ctx, auth))) throw accessErrors.noPermission();
  return { name: auth.user, via, sourceIp: clientOf(req).ip };
}

/**
 * The API's caller. A request that carries a bearer token is judged by the token alone: CSRF
 * protection is skipped for it, so its session cookie must not count.
 */
export async function apiActor(
  ctx: GatewayContext,
  tokens: TokenRegistry,
  req: Request,
  res: Response,
): Promise<Actor> {
  const header = req.get('authorization');
  if (header === undefined) {
    if (!req.session?.auth) res.set('WWW-Authenticate', 'Bearer realm="stepgate"');
    return sessionActor(ctx, req, 'api');
  }
  const token = bearerToken(header);
  const holder = token === undefined ? undefined : tokens.identify(token);
  if (!holder) {
    res.set('WWW-Authenticate', 'Bearer realm="stepgate", error="invalid_token"');
    throw accessErrors.badToken();
  }
  if (!holder.scopes.includes('admin')) {
    res.set('WWW-Authenticate', 'Bearer realm="stepgate", error="insufficient_scope", scope="admin"');
    throw accessErrors.wrongScope();
  }
  return { name: `token:${holder.name}`, via: 'api', sourceIp: clientOf(req).ip };
}
