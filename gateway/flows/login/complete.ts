/**
 * The end of every sign-in, whatever proved who the person is (password, directory, SAML):
 * refuse a user type the entry point does not admit, ask the policy, refuse a `deny`, record a
 * skip, give the session a fresh id, and say what's next.
 */
import type { Request, Response } from 'express';
import { wantsJson } from '../../http/negotiate.js';
import { regenerateSession, saveSession } from '../../sessions.js';
import { clientOf, type GatewayContext } from '../../context.js';
import { nextStep } from '../next-step.js';
import { decideSignIn, type Identity } from './decide.js';

/**
 * Returns false (having answered nothing) when the policy denies or the entry point does not admit
 * the user's type: the caller shows its own 403 page.
 */
export async function completeSignIn(
  ctx: GatewayContext,
  req: Request,
  res: Response,
  identity: Identity,
  returnTo: string,
): Promise<boolean> {
  const client = clientOf(req);
  // The entry point is the Host header, which any client sets: where it admits only some user
  // types, nobody else signs in there, whatever the policy would say (SPEC §1.7).
  const admitted = ctx.config.server.entry_points[client.entryPoint]?.user_types;
  if (admitted && !admitted.includes(identity.userType)) {
    ctx.ports.logger.info('sign-in refused at this entry point', {
      user: identity.user,
      entry_point: client.entryPoint,
      user_type: identity.userType,
    });
    return false;
  }
  const auth = await decideSignIn(
    identity,
    { sourceIp: client.ip, entryPoint: client.entryPoint, userAgent: req.get('user-agent') ?? null },
    ctx.policy.current(),
    ctx.ports,
  );
  if (auth.decision.action === 'deny') {
    ctx.ports.logger.info('sign-in denied by policy', { user: auth.user, rule: auth.decision.rule });
    return false;
  }
  await ctx.recordSignIn(auth);

  // A fresh session id at sign-in: a fixated pre-login id is worth nothing afterwards.
  await regenerateSession(req);
  req.session.auth = auth;
  req.session.returnTo = returnTo;
  await saveSession(req);

  const step = nextStep(ctx, auth, returnTo);
  if (wantsJson(req)) res.json(step);
  else res.redirect(303, step.redirect);
  return true;
}
