/**
 * The one-click link of a new-network notice (gateway/notices): GET /networks/revoke shows what
 * the link would do and a button; POST /networks/revoke (with the page's CSRF token, or as JSON)
 * forgets the network for its user and signs out every session signed in from it. The link works
 * once and expires; a GET changes nothing, so a mail scanner following the link revokes nothing.
 * No sign-in is needed: the person reading the notice may be locked out by whoever signed in.
 */
import { Router, type Request, type Response } from 'express';
import type { SessionData } from 'express-session';
import { GatewayError } from '../../errors.js';
import { csrfField, html, page } from '../../http/html.js';
import { wantsJson } from '../../http/negotiate.js';
import { t } from '../../i18n/index.js';
import type { GatewayContext } from '../../context.js';
import type { RevokeCheck, RevokeLinks } from '../../notices/revoke-link.js';
import type { Ports } from '../../ports.js';
import { field } from '../guards.js';

function refused(check: RevokeCheck & { ok: false }): GatewayError {
  if (check.reason === 'expired')
    return new GatewayError(410, 'link_expired', t('error.revoke_link_expired'));
  if (check.reason === 'used') return new GatewayError(410, 'link_used', t('error.revoke_link_used'));
  return new GatewayError(400, 'invalid_link', t('error.revoke_link_invalid'));
}

function destroy(store: Ports['sessions'], sid: string): Promise<void> {
  return new Promise((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve())));
}

/** Signs out the user's sessions whose sign-in came from `network`; returns how many. */
async function signOutFrom(ctx: GatewayContext, user: string, network: string): Promise<number> {
  const policy = ctx.policy.current();
  const listed: { id: string; data: SessionData }[] = await ctx.ports.sessions.sessionsOf(user);
  const from = listed.filter(({ data }) => data.auth && policy.networkOf(data.auth.sourceIp) === network);
  for (const { id } of from) await destroy(ctx.ports.sessions, id);
  return from.length;
}

export function noticeRoutes(ctx: GatewayContext, links: RevokeLinks): Router {
  const router = Router();
  const { basePath } = ctx;

  function show(res: Response, status: number, title: string, body: ReturnType<typeof html>) {
    res.status(status).set('Cache-Control', 'no-store').type('html').send(page({ title, body }));
  }

  router.get('/networks/revoke', (req: Request, res: Response) => {
    const check = links.read(req.query.token);
    if (!check.ok) throw refused(check);
    const { network } = check.claim;
    if (wantsJson(req)) return void res.set('Cache-Control', 'no-store').json({ network });
    show(
      res,
      200,
      t('network_revoke.title'),
      html`<h1>${t('network_revoke.title')}</h1>
        <p>${t('network_revoke.text', { network })}</p>
        <form method="post" action="${basePath}/networks/revoke">
          ${csrfField(ctx.csrfToken(req))}
          <input type="hidden" name="token" value="${String(req.query.token)}" />
          <button type="submit">${t('network_revoke.submit')}</button>
        </form>`,
    );
  });

  router.post('/networks/revoke', async (req: Request, res: Response) => {
    const check = await links.use(field(req.body, 'token'));
    if (!check.ok) throw refused(check);
    const { user, network } = check.claim;
    const revoked = await ctx.ports.store.revokeRememberedNetworks(user, network);
    const signedOut = await signOutFrom(ctx, user, network);
    await ctx.ports.store.appendHistory({
      time: ctx.ports.clock.now(),
      user,
      method: 'admin:revoke_activations',
      status: 'Succeeded',
      triggeredBy: null,
      sourceIp: null,
      login: null,
      entryPoint: null,
      userAgent: null,
      detail: `${network} (${revoked} revoked) by the user, from a new-network notice; ${signedOut} session(s) signed out`,
    });
    if (wantsJson(req)) return void res.json({ revoked: true, network, signed_out: signedOut });
    show(
      res,
      200,
      t('network_revoke.title'),
      html`<h1>${t('network_revoke.title')}</h1>
        <p class="notice" role="status">${t('network_revoke.done', { network, count: signedOut })}</p>`,
    );
  });

  return router;
}
