/**
 * May the request a proxy asks about reach the application, and as whom? The built-in proxy's
 * rules (flows/proxy), applied to the original request instead of our own:
 *
 * - a path in `upstream.public_paths`, judged on the target exactly as it came (public-paths.ts),
 *   goes through without identity;
 * - anything else needs a session that is signed in and confirmed (or skipped by policy) and not
 *   past its absolute timeout; otherwise the person is sent to sign in, or to the step they have
 *   still to take.
 *
 * Entry points. A session answers for the entry point it was signed in at, as behind the built-in
 * proxy, where its cookie stays on that host. With `session.cookie_domain` the cookie also reaches
 * hosts of other entry points; there the entry point and the policy are asked again, with the
 * request's entry point and address: a type the entry point does not admit, or `deny`, is 403;
 * `skip` lets it through; `confirm` needs a confirmed session, `confirm_always` one confirmed by a
 * challenge. A session that cannot meet that is 403 too: signing in again elsewhere would not
 * change it, and sending the person to the sign-in page, which knows them, would only loop.
 */
import { GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import { isForwardable, pastAbsoluteTimeout, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import { pathOf, publicPaths } from '../proxy/public-paths.js';
import type { OriginalRequest } from './original.js';

export type Verdict =
  /** Through; with the identity to pass on, none for a public path. */
  | { kind: 'allow'; auth: SignedInUser | undefined }
  /** Not signed in, or a sign-in with a step still to take (then `auth` says which). */
  | { kind: 'sign_in'; auth: SignedInUser | undefined }
  | { kind: 'deny'; error: GatewayError };

export const accessDenied = (): GatewayError =>
  new GatewayError(403, 'access_denied', t('error.authz.denied'));

export const confirmationMissing = (): GatewayError =>
  new GatewayError(403, 'confirmation_required_here', t('error.authz.confirmation_here'));

/** Confirmations that a challenge answered, not a network. */
const NOT_A_CHALLENGE = new Set(['skipped', 'trusted_network', 'remembered_network']);

export interface AuthzDecider {
  decide(original: OriginalRequest, auth: SignedInUser | undefined, clientIp: string): Promise<Verdict>;
}

export function authzDecider(
  ctx: Pick<GatewayContext, 'config' | 'policy' | 'ports'>,
  entryPointOf: (hostname: string) => string,
): AuthzDecider {
  const { config, ports } = ctx;
  const isPublic = publicPaths(config.upstream.public_paths);

  /** A session used at an entry point it was not signed in at: the policy is asked for this one. */
  async function atOtherEntryPoint(
    auth: SignedInUser,
    entryPoint: string,
    clientIp: string,
  ): Promise<Verdict> {
    const admitted = config.server.entry_points[entryPoint]?.user_types;
    if (admitted && !admitted.includes(auth.userType)) return { kind: 'deny', error: accessDenied() };
    const policy = ctx.policy.current();
    const assigned = await ports.store.listPermissionSetAssignments(auth.user);
    const entitlements = policy.entitlements({
      profile: auth.profile,
      permissionSets: [...auth.permissionSets, ...assigned.map((a) => a.permissionSet)],
      groups: auth.groups,
    });
    const decision = policy.evaluate({
      entryPoint,
      login: auth.login,
      userType: auth.userType,
      profile: entitlements.profile,
      permissionSets: entitlements.permissionSets,
      groups: auth.groups,
      sourceIp: clientIp,
    });
    const met =
      decision.action === 'skip' ||
      (decision.action === 'confirm' && auth.stage === 'confirmed') ||
      (decision.action === 'confirm_always' &&
        auth.stage === 'confirmed' &&
        !NOT_A_CHALLENGE.has(auth.confirmation ?? 'skipped'));
    if (met) return { kind: 'allow', auth };
    ports.logger.info('forward-auth refused at another entry point', {
      user: auth.user,
      entry_point: entryPoint,
      signed_in_at: auth.entryPoint,
      rule: decision.rule,
      action: decision.action,
    });
    return { kind: 'deny', error: decision.action === 'deny' ? accessDenied() : confirmationMissing() };
  }

  return {
    async decide(original, auth, clientIp) {
      if (isPublic(pathOf(original.target))) return { kind: 'allow', auth: undefined };
      if (pastAbsoluteTimeout(auth, ports.clock.now(), config.session.absolute_timeout)) {
        return { kind: 'sign_in', auth: undefined };
      }
      if (!isForwardable(auth)) return { kind: 'sign_in', auth };
      const entryPoint = entryPointOf(original.hostname);
      if (entryPoint === auth.entryPoint) return { kind: 'allow', auth };
      return atOtherEntryPoint(auth, entryPoint, clientIp);
    },
  };
}
