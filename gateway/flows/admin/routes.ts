/**
 * The help-desk console under `/admin` (SPEC §1.8, §1.9), for a confirmed session holding
 * `manage_identity_confirmation`: find a user; see how they confirm, where they are signed in and
 * their recent history; act on it. Each action posts a form and comes back to the user's page
 * (post/redirect/get) with a fixed notice; removing a mobile and revoking every network ask first
 * on a page of their own; a new temporary code is shown once on a page of its own and never put
 * in a URL. GET /admin/history reads the whole history with filters (history-route.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { Actor, AdminService } from '../../admin/service.js';
import { SignedInSessions } from '../../admin/sessions.js';
import type { GatewayContext } from '../../context.js';
import { errors, isGatewayError } from '../../errors.js';
import type { MethodRegistry } from '../../factors/index.js';
import { wantsJson } from '../../http/negotiate.js';
import { t, type MessageKey } from '../../i18n/index.js';
import { nextStep } from '../next-step.js';
import { field } from '../guards.js';
import { sessionActor } from './access.js';
import { showHistory } from './history-route.js';
import { consolePage, type ConsolePage } from './layout.js';
import { issuedCodePage, removeCredentialPage, removeMobilePage, revokeAllPage } from './action-pages.js';
import { credentialLabel, findPage, userPage, userUrl as userUrlOf, type UserPageView } from './pages.js';

const HISTORY_ROWS = 10;

/** What a finished action says on the page it returns to; the query names a key, never the text. */
const DONE = [
  'mobile-removed',
  'no-mobile',
  'credential-removed',
  'no-credential',
  'code-expired',
  'no-code',
  'set-assigned',
  'set-unassigned',
  'set-not-assigned',
  'network-revoked',
  'all-revoked',
  'signed-out',
  'all-signed-out',
  'no-session',
] as const;

type Done = (typeof DONE)[number];

const doneNotice = (done: unknown): string | undefined =>
  DONE.find((key) => key === done) && t(`admin.done.${done as Done}` as MessageKey);

function param(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string') throw errors.notFound();
  return value;
}

/** A form's hours: digits become a number; anything else goes to the service as typed, to be refused. */
function hoursField(body: unknown): unknown {
  const text = field(body, 'hours')?.trim();
  return text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : text;
}

export function adminPageRoutes(ctx: GatewayContext, service: AdminService, methods: MethodRegistry): Router {
  const router = Router();
  const { basePath } = ctx;
  const userUrl = (user: string) => userUrlOf(basePath, user);
  const actors = new WeakMap<Request, Actor>();
  const sessions = new SignedInSessions(ctx.ports.sessions);
  const names = (id: string) => methods.get(id)?.label;
  const consoleOf = (req: Request, res: Response): ConsolePage =>
    consolePage(basePath, ctx.csrfToken(req), res);
  const sendPage = (res: Response, html: string, status = 200) =>
    void res.status(status).set('Cache-Control', 'no-store').type('html').send(html);

  // A browser that is not signed in, or not yet confirmed, is sent where it can become so.
  router.use('/admin', async (req, res, next) => {
    const auth = req.session?.auth;
    if (req.method === 'GET' && !wantsJson(req)) {
      if (!auth) {
        return void res.redirect(303, `${basePath}/login?return_to=${encodeURIComponent(req.originalUrl)}`);
      }
      if (auth.stage !== 'confirmed' && auth.stage !== 'skipped') {
        req.session.returnTo = req.originalUrl;
        return void res.redirect(303, nextStep(ctx, auth, req.originalUrl).redirect);
      }
    }
    actors.set(req, await sessionActor(ctx, req, 'page'));
    next();
  });

  function actorOf(req: Request): Actor {
    const actor = actors.get(req);
    if (!actor) throw errors.internal();
    return actor;
  }

  async function view(username: string, currentSid: string): Promise<UserPageView> {
    const summary = await service.summary(username);
    const [sets, networks, signedIn, history] = await Promise.all([
      service.permissionSets(summary.user),
      service.activations(summary.user),
      sessions.of(summary.user, currentSid),
      service.history({ user: summary.user, limit: HISTORY_ROWS }),
    ]);
    return { summary, sets, networks, sessions: signedIn, history };
  }

  async function show(
    req: Request,
    res: Response,
    username: string,
    extra: { status?: number; notice?: string | undefined; error?: string } = {},
  ): Promise<void> {
    const html = userPage({
      console: consoleOf(req, res),
      view: await view(username, req.sessionID),
      names,
      notice: extra.notice,
      error: extra.error,
    });
    sendPage(res, html, extra.status);
  }

  router.get('/admin', (req, res) => {
    const user = typeof req.query.user === 'string' ? req.query.user.trim() : '';
    if (user !== '') return void res.redirect(303, userUrl(user));
    sendPage(res, findPage({ console: consoleOf(req, res) }));
  });

  router.get('/admin/history', (req, res) =>
    showHistory(req, res, { console: consoleOf(req, res), admin: service, store: ctx.ports.store, methods }),
  );

  router.get('/admin/users/:user', async (req, res) => {
    const username = param(req, 'user');
    try {
      await show(req, res, username, { notice: doneNotice(req.query.done) });
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'unknown_user') throw error;
      sendPage(res, findPage({ console: consoleOf(req, res), user: username, error: error.message }), 404);
    }
  });

  /** A form action: done, back to the user's page with its notice; refused, the page with the reason. */
  function action(
    path: string,
    perform: (req: Request, res: Response, actor: Actor, user: string) => Promise<Done | undefined>,
  ) {
    router.post(`/admin/users/:user${path}`, async (req, res) => {
      const user = param(req, 'user');
      let done: Done | undefined;
      try {
        done = await perform(req, res, actorOf(req), user);
      } catch (error) {
        if (!isGatewayError(error) || error.code === 'unknown_user') throw error;
        return void (await show(req, res, user, { status: error.status, error: error.message }));
      }
      // Undefined: the action asked first, and its question is the answer.
      if (done !== undefined) res.redirect(303, `${userUrl(user)}?done=${done}`);
    });
  }

  /** Removing a mobile asks first (GET, or a post without confirm=yes): it cannot be undone from here. */
  async function askRemoveMobile(req: Request, res: Response, user: string): Promise<void> {
    const summary = await service.summary(user);
    if (!summary.mobile) return void res.redirect(303, `${userUrl(summary.user)}?done=no-mobile`);
    sendPage(res, removeMobilePage(consoleOf(req, res), summary.user, summary.mobile));
  }

  async function askRevokeAll(req: Request, res: Response, user: string): Promise<void> {
    const networks = await service.activations(user);
    const canonical = (await service.summary(user)).user;
    if (networks.length === 0) return void res.redirect(303, `${userUrl(canonical)}?done=all-revoked`);
    sendPage(res, revokeAllPage(consoleOf(req, res), canonical, networks.length));
  }

  /** Removing a credential asks first too: the user may depend on it to sign in. */
  async function askRemoveCredential(req: Request, res: Response, user: string): Promise<void> {
    const summary = await service.summary(user);
    const id = field(req.body, 'credential') ?? '';
    const credential = summary.credentials.find((held) => held.id === id);
    if (!credential) return void res.redirect(303, `${userUrl(summary.user)}?done=no-credential`);
    const name = credentialLabel(credential, names);
    sendPage(res, removeCredentialPage(consoleOf(req, res), summary.user, credential.id, name));
  }

  router.get('/admin/users/:user/mobile/remove', (req, res) => askRemoveMobile(req, res, param(req, 'user')));
  router.get('/admin/users/:user/activations/revoke', (req, res) =>
    askRevokeAll(req, res, param(req, 'user')),
  );

  action('/mobile/remove', async (req, res, actor, user) => {
    if (field(req.body, 'confirm') !== 'yes') return void (await askRemoveMobile(req, res, user));
    return (await service.removeMobile(actor, user)).removed ? 'mobile-removed' : 'no-mobile';
  });

  // Recorded in the history by the service, as the admin API's DELETE is.
  action('/credentials/remove', async (req, res, actor, user) => {
    if (field(req.body, 'confirm') !== 'yes') return void (await askRemoveCredential(req, res, user));
    try {
      await service.removeCredential(actor, user, field(req.body, 'credential') ?? '');
    } catch (error) {
      if (isGatewayError(error) && error.code === 'unknown_credential') return 'no-credential';
      throw error;
    }
    return 'credential-removed';
  });

  action('/temporary-code/expire', async (_req, _res, actor, user) =>
    (await service.expireTemporaryCode(actor, user)).expired ? 'code-expired' : 'no-code',
  );

  action('/permission-sets', async (req, _res, actor, user) => {
    const set = field(req.body, 'set') ?? '';
    const verb = field(req.body, 'action');
    if (verb === 'assign') return (await service.assignPermissionSet(actor, user, set), 'set-assigned');
    if (verb === 'unassign') {
      return (await service.unassignPermissionSet(actor, user, set)).removed
        ? 'set-unassigned'
        : 'set-not-assigned';
    }
    throw errors.badRequest('invalid_request', t('error.admin.choose_assign'));
  });

  action('/activations/revoke', async (req, res, actor, user) => {
    const network = field(req.body, 'network');
    if (network !== undefined && network !== '') {
      await service.revokeActivations(actor, user, network);
      return 'network-revoked';
    }
    if (field(req.body, 'all') !== 'yes') {
      throw errors.badRequest('invalid_request', t('error.admin.choose_network'));
    }
    if (field(req.body, 'confirm') !== 'yes') return void (await askRevokeAll(req, res, user));
    await service.revokeActivations(actor, user);
    return 'all-revoked';
  });

  // One session (named by its handle), or every session with all=yes: signed out at once.
  action('/sessions/sign-out', async (req, _res, actor, user) => {
    const canonical = (await service.summary(user)).user;
    const all = field(req.body, 'all') === 'yes';
    const handle = field(req.body, 'session');
    if (!all && !handle) return 'no-session';
    const count = await sessions.signOut(canonical, all ? undefined : handle);
    if (count === 0) return 'no-session';
    await service.recordAction(actor, canonical, 'sign_out', all ? `${count} sessions` : '1 session');
    return all ? 'all-signed-out' : 'signed-out';
  });

  // The code is in this answer and nowhere else: not in a redirect, not in the session.
  router.post('/admin/users/:user/temporary-code', async (req, res) => {
    const user = param(req, 'user');
    let issued: { code: string; expires_at: string };
    try {
      issued = await service.issueTemporaryCode(actorOf(req), user, hoursField(req.body));
    } catch (error) {
      if (!isGatewayError(error) || error.code === 'unknown_user') throw error;
      return void (await show(req, res, user, { status: error.status, error: error.message }));
    }
    const canonical = (await service.summary(user)).user;
    const html = issuedCodePage({
      console: consoleOf(req, res),
      user: canonical,
      code: issued.code,
      expiresAt: issued.expires_at,
    });
    sendPage(res, html);
  });

  return router;
}
