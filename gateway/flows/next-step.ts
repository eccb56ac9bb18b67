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
  return { next: 'done', redirect: safeReturnTo(returnTo, ctx.config.server.public_url) };
}
