/**
 * Self-service (SPEC §4): see how you confirm, set up and remove the credentials of the methods
 * that keep them (`POST /settings/<method>`: an authenticator app shown as a QR code, passkeys),
 * each proved before it counts, and expire your own temporary code. A credential set up or
 * removed here is told to its owner by email (gateway/notices). A confirmed session is
 * required. What a method asks for and shows is its own (factors/<method>/).
 */
import { Router, type Request, type Response } from 'express';
import { errors } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { recordAttempt } from '../../history.js';
import type { GatewayContext } from '../../context.js';
import { credentialJson, type CredentialMethod, type Factors } from '../../factors/index.js';
import { maskEmail, maskPhone } from '../../factors/mask.js';
import type { Enrolment } from '../../factors/types.js';
import type { SignedInUser } from '../../sessions.js';
import { verifiedMobile } from '../confirm/methods.js';
import { field, requireConfirmed } from '../guards.js';
import { pageContext } from '../page-context.js';
import { settingsPage, type SettingsView } from './pages.js';
import { LOCAL_TIME_PATH } from '../../http/assets.js';
import { safeReturnTo } from '../../http/redirects.js';
import { t } from '../../i18n/index.js';
import { holdsManagePermission } from '../admin/access.js';
import { credentialName } from '../../notices/index.js';

export function settingsRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath, ports } = ctx;

  /** Back to where the sign-in was going, unless that was one of stepgate's own pages. */
  function backUrl(req: Request): string {
    const target = safeReturnTo(req.session.returnTo, ctx.config.server);
    const own = target === basePath || target.startsWith(`${basePath}/`);
    return own ? '/' : target;
  }

  async function view(req: Request, auth: SignedInUser): Promise<SettingsView> {
    const policy = ctx.policy.current().document;
    const [mobile, held, temporary, networks, helpDesk] = await Promise.all([
      verifiedMobile(ports.store, auth.user, auth.sourceMobile),
      factors.methods.credentialsOf(auth.user),
      ports.store.getActiveTemporaryCode(auth.user, ports.clock.now()),
      ports.store.listRememberedNetworks(auth.user),
      holdsManagePermission(ctx, auth),
    ]);
    return {
      networks: networks.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime()),
      rememberFor: policy.identity_confirmation.remember_networks_for,
      backUrl: backUrl(req),
      helpDesk,
      methodName: (id) => factors.methods.get(id)?.label ?? id,
      user: auth.user,
      mobile: mobile ? maskPhone(mobile) : undefined,
      email: auth.email ? maskEmail(auth.email) : undefined,
      methods: factors.methods.withCredentials().map((method) => ({
        method,
        held: held.filter((credential) => credential.method === method.id),
        enrollable: method.credentials.enrollable(policy),
      })),
      temporaryCodeExpiresAt: temporary?.expiresAt,
    };
  }

  router.get('/settings', async (req, res) => {
    const auth = requireConfirmed(req);
    const v = await view(req, auth);
    if (wantsJson(req)) {
      return void res.json({
        user: v.user,
        mobile: v.mobile ?? null,
        email: v.email ?? null,
        // One flag per method that keeps credentials (`authenticator: true`), then the credentials.
        ...Object.fromEntries(v.methods.map((m) => [m.method.id, m.held.length > 0])),
        credentials: v.methods.flatMap((m) => m.held).map(credentialJson),
        temporary_code_expires_at: v.temporaryCodeExpiresAt?.toISOString() ?? null,
      });
    }
    // The times on the page are shown in the viewer's own zone by the one script it loads.
    const page = pageContext(ctx, req, res);
    const scripts = [{ src: `${basePath}${LOCAL_TIME_PATH}`, nonce: page.scriptNonce() }];
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(settingsPage({ page, view: v, scripts }));
  });

  function showEnrolment(
    req: Request,
    res: Response,
    method: CredentialMethod,
    enrolment: Enrolment,
    error?: string,
  ) {
    return Promise.resolve(
      method.credentials.view.enrolPage(pageContext(ctx, req, res), enrolment, error),
    ).then(
      (html) =>
        void res
          .status(error ? 400 : 200)
          .set('Cache-Control', 'no-store')
          .type('html')
          .send(html),
    );
  }

  /** Removes the credential named by `credential` (or the method's only one), for its owner, who is told by email. */
  async function remove(req: Request, res: Response, auth: SignedInUser, method: CredentialMethod) {
    const before = await method.credentials.list(auth.user);
    const removed = await method.credentials.remove(auth.user, field(req.body, 'credential'));
    const left = await method.credentials.list(auth.user);
    if (removed > 0) {
      await recordAttempt(ports, auth, {
        method: method.id,
        status: 'Succeeded',
        trigger: null,
        detail: 'removed by the user',
      });
      for (const gone of before.filter((held) => !left.some((kept) => kept.id === held.id))) {
        await ctx.notices.credentialRemoved(auth.user, auth.email, credentialName(method.label, gone.name));
      }
    }
    if (wantsJson(req)) return void res.json({ enrolled: left.length > 0, removed });
    res.redirect(303, `${basePath}/settings`);
  }

  router.post('/settings/:method', async (req, res) => {
    const auth = requireConfirmed(req);
    const method = factors.methods.withCredentialsById(req.params.method);
    if (!method) throw errors.notFound();
    const { credentials } = method;
    const policy = ctx.policy.current().document;
    if (!credentials.enrollable(policy)) {
      throw errors.forbidden(t('error.method_disabled', { method: method.label }));
    }
    if (field(req.body, 'action') === 'remove') return remove(req, res, auth, method);

    const subject = { user: auth.user, email: auth.email };
    const proof = credentials.readProof(req.body);
    const pending = req.session.pendingEnrolment;
    const state = pending?.method === method.id ? pending.state : undefined;
    if (proof === undefined || state === undefined) {
      // Step one: what to set up, kept in the session until proved.
      const enrolment = await credentials.begin(subject, policy);
      req.session.pendingEnrolment = { method: method.id, state: enrolment.state };
      if (wantsJson(req)) return void res.json(enrolment.shown);
      return showEnrolment(req, res, method, enrolment);
    }

    // Step two: the proof that the app or key holds what was set up.
    const saved = await credentials.finish(subject, state, proof);
    if (!saved) {
      const error = errors.badRequest('invalid_code', credentials.refusedProof);
      if (wantsJson(req)) throw error;
      const again = await credentials.begin(subject, policy, state);
      req.session.pendingEnrolment = { method: method.id, state: again.state };
      return showEnrolment(req, res, method, again, error.message);
    }
    delete req.session.pendingEnrolment;
    await recordAttempt(ports, auth, {
      method: method.id,
      status: 'Succeeded',
      trigger: null,
      detail: 'enrolled by the user',
    });
    await ctx.notices.credentialAdded(auth.user, auth.email, credentialName(method.label, saved.name));
    if (wantsJson(req)) return void res.json({ enrolled: true, credential: credentialJson(saved) });
    res.redirect(303, `${basePath}/settings`);
  });

  router.post('/settings/temporary-code/expire', async (req, res) => {
    const auth = requireConfirmed(req);
    const expired = await ports.store.expireTemporaryCode(auth.user, ports.clock.now());
    if (expired) {
      await recordAttempt(ports, auth, {
        method: 'temporary_code',
        status: 'Succeeded',
        trigger: null,
        detail: 'expired early by the user',
      });
    }
    if (wantsJson(req)) return void res.json({ expired });
    res.redirect(303, `${basePath}/settings`);
  });

  return router;
}
