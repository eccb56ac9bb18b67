import type { GatewayContext } from '../context.js';
import { safeReturnTo } from '../http/redirects.js';
import type { SignedInUser } from '../sessions.js';

export type Next = 'register_mobile' | 'confirm' | 'done';

/**
 * Where a signed-in session goes next, as SPEC §4's `next` value and the page for it. The return
 * path is judged again here, on the string that is sent, whoever stored it in the session.
 */
export function nextStep(
  ctx: Pick<GatewayContext, 'basePath' | 'config'>,
  auth: SignedInUser,
  returnTo: string,
): { next: Next; redirect: string } {
  const { basePath } = ctx;
  if (auth.stage === 'registering_mobile') return { next: 'register_mobile', redirect: `${basePath}/mobile` };
  if (auth.stage === 'confirming') return { next: 'confirm', redirect: `${basePath}/confirm` };
  return { next: 'done', redirect: safeReturnTo(returnTo, ctx.config.server) };
}

/**
 * Where a request that may not reach the application yet is sent: the sign-in page, or the step
 * a signed-in session has still to take. Shared by the built-in proxy and the /authz endpoints.
 */
export function signInPage(
  ctx: Pick<GatewayContext, 'basePath' | 'config'>,
  auth: SignedInUser | undefined,
): string {
  return auth ? nextStep(ctx, auth, '/').redirect : `${ctx.basePath}/login`;
}
