/**
 * The challenge pages and their JSON twins (SPEC §4): GET /confirm lists the offered methods
 * (a browser sees one at a time: `?method=<id>`, or the first one, and `?choose=1` the list),
 * POST /confirm/send starts one (a code sent, a WebAuthn challenge), POST /confirm/verify checks
 * an answer of the method's own shape. The rules live in challenge.ts, shared with the sidecar
 * API; what each method shows is its own (factors/<method>/); this file is HTTP only.
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError, errors, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { rotateSession, type SignedInUser } from '../../sessions.js';
import type { GatewayContext } from '../../context.js';
import type { Factors } from '../../factors/index.js';
import { nextStep } from '../next-step.js';
import { field, requireSignedIn } from '../guards.js';
import { pageContext } from '../page-context.js';
import { currentChallenge, sendChallengeCode, verifyChallengeCode, type FlowDeps } from './challenge.js';
import { choosePage, confirmPage, type Offer } from './pages.js';
import { firstMethod, lastConfirmedWith, strongestFirst } from './first-method.js';
import { maskPhone } from '../../factors/mask.js';
import { t } from '../../i18n/index.js';

export { failureError } from './challenge.js';

function requireConfirming(req: Request): SignedInUser {
  const auth = requireSignedIn(req);
  if (auth.stage !== 'confirming') {
    throw new GatewayError(409, 'nothing_to_confirm', t('error.nothing_to_confirm'));
  }
  return auth;
}

export function confirmRoutes(ctx: GatewayContext, factors: Factors): Router {
  const router = Router();
  const deps: FlowDeps = { ports: ctx.ports, policy: ctx.policy, factors, notices: ctx.notices };

  async function offers(auth: SignedInUser): Promise<Offer[]> {
    const { methods, offered } = await currentChallenge(deps, auth);
    return methods.map((method, i) => ({ method, offered: offered[i] ?? { id: method.id } }));
  }

  function sendPage(res: Response, status: number, html: string) {
    res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
  }

  /**
   * The challenge page for a browser: the method asked for (`requested`, when offered), else the
   * one this person last confirmed with, else the strongest; or, with `?choose`, the list. A
   * number proved in this very sign-in cannot confirm it: the page says why it is not offered.
   */
  async function challengePage(
    req: Request,
    res: Response,
    auth: SignedInUser,
    listed: readonly Offer[],
    extra: { requested?: unknown; error?: string } = {},
  ): Promise<string> {
    const page = pageContext(ctx, req, res);
    const lastUsed = await lastConfirmedWith(ctx.ports.store, auth.user);
    const notice =
      auth.mobileProvedThisSignIn && auth.pendingMobile
        ? t('confirm.new_mobile', { mobile: maskPhone(auth.pendingMobile) })
        : undefined;
    if (req.query.choose !== undefined && extra.error === undefined) {
      const byStrength = strongestFirst(listed.map((offer) => offer.method));
      const offers = byStrength.flatMap((method) => listed.filter((offer) => offer.method === method));
      return choosePage({ page, offers, lastUsed, notice });
    }
    const requested = listed.find((offer) => offer.method.id === extra.requested);
    const first = firstMethod(
      listed.map((offer) => offer.method),
      lastUsed,
    );
    const shown = requested ?? listed.find((offer) => offer.method === first);
    return confirmPage({ page, shown, others: listed.length - 1, error: extra.error, notice });
  }

  /**
   * A browser sees the page again with the error: the method's own answer page where it has one
   * (the code field, after a wrong code), else the challenge page. An API client gets the JSON error.
   */
  async function showError(req: Request, res: Response, error: unknown, requested?: string) {
    if (!isGatewayError(error) || wantsJson(req) || !req.session.auth) throw error;
    const auth = req.session.auth;
    const listed = auth.stage === 'confirming' ? await offers(auth) : [];
    const page = pageContext(ctx, req, res);
    const offer = listed.find((o) => o.method.id === requested);
    const answer =
      offer && error.code === 'invalid_code'
        ? offer.method.view.answer?.(page, { destination: offer.offered.destination, error: error.message })
        : undefined;
    const html = answer ?? (await challengePage(req, res, auth, listed, { requested, error: error.message }));
    sendPage(res, error.status, html);
  }

  /** The files a method's pages load (a passkey page's scripts): public, the same for everyone. */
  router.get('/methods/:method/:asset', async (req, res) => {
    const assets = factors.methods.get(req.params.method)?.assets;
    const name = String(req.params.asset);
    const asset = assets && Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) throw errors.notFound();
    res
      .type(asset.contentType)
      .set('Cache-Control', 'public, max-age=3600')
      .send(await asset.body());
  });

  router.get('/confirm', async (req, res) => {
    const auth = requireSignedIn(req);
    if (auth.stage !== 'confirming') {
      const step = nextStep(ctx, auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json({ methods: [], ...step });
      return void res.redirect(303, step.redirect);
    }
    const listed = await offers(auth);
    if (wantsJson(req)) return void res.json({ methods: listed.map((o) => o.offered) });
    sendPage(res, 200, await challengePage(req, res, auth, listed, { requested: req.query.method }));
  });

  router.post('/confirm/send', async (req, res) => {
    try {
      const started = await sendChallengeCode(deps, requireConfirming(req), field(req.body, 'method'));
      req.session.auth = started.auth;
      if (wantsJson(req)) return void res.json({ sent: true, ...started.shown });
      const page = pageContext(ctx, req, res);
      const destination = started.shown.destination as string | undefined;
      const answer = started.method.view.answer?.(page, { destination, shown: started.shown });
      const listed = answer === undefined ? await offers(started.auth) : [];
      const requested = started.method.id;
      sendPage(res, 200, answer ?? (await challengePage(req, res, started.auth, listed, { requested })));
    } catch (error) {
      await showError(req, res, error, field(req.body, 'method'));
    }
  });

  router.post('/confirm/verify', async (req, res) => {
    const method = field(req.body, 'method');
    try {
      const auth = requireConfirming(req);
      req.session.auth = await verifyChallengeCode(deps, auth, method, req.body);
      // A new session id once confirmed: whoever held the old one has only a password's worth.
      await rotateSession(req);
      const step = nextStep(ctx, req.session.auth, req.session.returnTo ?? '/');
      if (wantsJson(req)) return void res.json(step);
      res.redirect(303, step.redirect);
    } catch (error) {
      await showError(req, res, error, method);
    }
  });

  return router;
}
