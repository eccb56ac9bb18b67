/**
 * Self-service (SPEC §4): see how you confirm, enroll an authenticator app (QR code, proved by a
 * code before it counts), and expire your own temporary code. A confirmed session is required.
 */
import { Router } from 'express';
import { errors } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { recordAttempt } from '../../history.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { newAuthenticatorSecret, otpauthUri, qrCodeSvg } from '../../factors/authenticator/totp.js';
import { maskEmail, maskPhone } from '../../factors/mask.js';
import { verifiedMobile } from '../confirm/methods.js';
import { field, requireConfirmed } from '../guards.js';
import { enrollPage, settingsPage, type SettingsView } from './pages.js';

export function settingsRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const { basePath, ports } = ctx;

  async function view(
    user: string,
    email: string | undefined,
    sourceMobile: string | undefined,
  ): Promise<SettingsView> {
    const [mobile, authenticator, temporary] = await Promise.all([
      verifiedMobile(ports.store, user, sourceMobile),
      ports.store.getAuthenticator(user),
      ports.store.getActiveTemporaryCode(user, ports.clock.now()),
    ]);
    return {
      user,
      mobile: mobile ? maskPhone(mobile) : undefined,
      email: email ? maskEmail(email) : undefined,
      hasAuthenticator: authenticator !== undefined,
      temporaryCodeExpiresAt: temporary?.expiresAt,
      authenticatorEnabled: ctx.policy.current().document.methods.authenticator.enabled,
    };
  }

  router.get('/settings', async (req, res) => {
    const auth = requireConfirmed(req);
    const v = await view(auth.user, auth.email, auth.sourceMobile);
    if (wantsJson(req)) {
      return void res.json({
        user: v.user,
        mobile: v.mobile ?? null,
        email: v.email ?? null,
        authenticator: v.hasAuthenticator,
        temporary_code_expires_at: v.temporaryCodeExpiresAt?.toISOString() ?? null,
      });
    }
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(settingsPage({ basePath, csrf: ctx.csrfToken(req), view: v }));
  });

  router.post('/settings/authenticator', async (req, res) => {
    const auth = requireConfirmed(req);
    const authenticatorSettings = ctx.policy.current().document.methods.authenticator;
    if (!authenticatorSettings.enabled) throw errors.forbidden('Authenticator apps are not enabled here.');

    if (field(req.body, 'action') === 'remove') {
      await ports.store.removeAuthenticator(auth.user);
      await recordAttempt(ports, auth, {
        method: 'authenticator',
        status: 'Succeeded',
        trigger: null,
        detail: 'removed by the user',
      });
      if (wantsJson(req)) return void res.json({ enrolled: false });
      return void res.redirect(303, `${basePath}/settings`);
    }

    const code = field(req.body, 'code');
    const pending = req.session.pendingAuthenticatorSecret;
    if (code === undefined || pending === undefined) {
      // Step one: a new secret, shown once as a QR code, kept in the session until proved.
      const secret = newAuthenticatorSecret();
      req.session.pendingAuthenticatorSecret = secret;
      const uri = otpauthUri({ secret, issuer: authenticatorSettings.issuer, account: auth.user });
      const qrSvg = await qrCodeSvg(uri);
      if (wantsJson(req)) return void res.json({ secret, otpauth_uri: uri, qr_svg: qrSvg });
      return void res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(enrollPage({ basePath, csrf: ctx.csrfToken(req), qrSvg, secret }));
    }

    // Step two: the app proves it holds the secret.
    if (!(await factors.authenticator.enroll(auth.user, pending, code))) {
      const error = errors.badRequest(
        'invalid_code',
        'That code is not right. Check the time on your phone and try again.',
      );
      if (wantsJson(req)) throw error;
      const uri = otpauthUri({ secret: pending, issuer: authenticatorSettings.issuer, account: auth.user });
      return void res
        .status(400)
        .type('html')
        .send(
          enrollPage({
            basePath,
            csrf: ctx.csrfToken(req),
            qrSvg: await qrCodeSvg(uri),
            secret: pending,
            error: error.message,
          }),
        );
    }
    delete req.session.pendingAuthenticatorSecret;
    await recordAttempt(ports, auth, {
      method: 'authenticator',
      status: 'Succeeded',
      trigger: null,
      detail: 'enrolled by the user',
    });
    if (wantsJson(req)) return void res.json({ enrolled: true });
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
