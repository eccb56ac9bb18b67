/**
 * The help-desk pages under `/admin` (SPEC §1.8, §1.9), for a confirmed session holding
 * `manage_identity_confirmation`. Each action posts a form and comes back to the user's page
 * (post/redirect/get) with a fixed notice; the one exception is a new temporary code, which is
 * shown once on a page of its own and never put in a URL.
 */
import { Router, type Request, type Response } from 'express';
import type { Actor, AdminService } from '../../admin/service.js';
import type { GatewayContext } from '../../context.js';
import { errors, isGatewayError } from '../../errors.js';
import { wantsJson } from '../../http/negotiate.js';
import { nextStep } from '../next-step.js';
import { field } from '../guards.js';
import { sessionActor } from './access.js';
import { findPage, issuedCodePage, userPage, type UserPageView } from './pages.js';

const HISTORY_ROWS = 25;

/** What a finished action says on the page it returns to; the query names a key, never the text. */
const DONE = {
  'mobile-removed': 'The mobile number was removed. The next challenge offers email instead.',
  'no-mobile': 'There was no mobile number to remove.',
  'code-expired': 'The temporary code was expired.',
  'no-code': 'No temporary code was active.',
  'set-assigned': 'The permission set was assigned. It applies from the next challenge.',
  'set-unassigned': 'The permission set was unassigned.',
  'set-not-assigned': 'That permission set was not assigned here, so nothing changed.',
  'network-revoked': 'The network was revoked: the next sign-in from it is challenged.',
  'all-revoked': 'Every remembered network was revoked: the next sign-in is challenged.',
} as const;

type Done = keyof typeof DONE;

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

export function adminPageRoutes(ctx: GatewayContext, service: AdminService): Router {
  const router = Router();
  const { basePath } = ctx;
  const userUrl = (user: string) => `${basePath}/admin/users/${encodeURIComponent(user)}`;
  const actors = new WeakMap<Request, Actor>();

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

  async function view(username: string): Promise<UserPageView> {
    const summary = await service.summary(username);
    const [sets, networks, history] = await Promise.all([
      service.permissionSets(summary.user),
      service.activations(summary.user),
      service.history({ user: summary.user, limit: HISTORY_ROWS }),
    ]);
    return { summary, sets, networks, history };
  }

  async function show(
    req: Request,
    res: Response,
    username: string,
    extra: { status?: number; notice?: string | undefined; error?: string } = {},
  ): Promise<void> {
    const page = userPage({
      basePath,
      csrf: ctx.csrfToken(req),
      view: await view(username),
      notice: extra.notice,
      error: extra.error,
    });
    res
      .status(extra.status ?? 200)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(page);
  }

  router.get('/admin', (req, res) => {
    const user = typeof req.query.user === 'string' ? req.query.user.trim() : '';
    if (user !== '') return void res.redirect(303, userUrl(user));
    res.set('Cache-Control', 'no-store').type('html').send(findPage({ basePath }));
  });

  router.get('/admin/users/:user', async (req, res) => {
    const username = param(req, 'user');
    const done = req.query.done;
    try {
      await show(req, res, username, {
        notice: typeof done === 'string' && done in DONE ? DONE[done as Done] : undefined,
      });
    } catch (error) {
      if (!isGatewayError(error) || error.code !== 'unknown_user') throw error;
      res
        .status(404)
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(findPage({ basePath, user: username, error: error.message }));
    }
  });

  /** A form action: done, back to the user's page with its notice; refused, the page with the reason. */
  function action(path: string, perform: (req: Request, actor: Actor, user: string) => Promise<Done>) {
    router.post(`/admin/users/:user${path}`, async (req, res) => {
      const user = param(req, 'user');
      let done: Done;
      try {
        done = await perform(req, actorOf(req), user);
      } catch (error) {
        if (!isGatewayError(error) || error.code === 'unknown_user') throw error;
        return void (await show(req, res, user, { status: error.status, error: error.message }));
      }
      res.redirect(303, `${userUrl(user)}?done=${done}`);
    });
  }

  action('/mobile/remove', async (_req, actor, user) =>
    (await service.removeMobile(actor, user)).removed ? 'mobile-removed' : 'no-mobile',
  );

  action('/temporary-code/expire', async (_req, actor, user) =>
    (await service.expireTemporaryCode(actor, user)).expired ? 'code-expired' : 'no-code',
  );

  action('/permission-sets', async (req, actor, user) => {
    const set = field(req.body, 'set') ?? '';
    const verb = field(req.body, 'action');
    if (verb === 'assign') return (await service.assignPermissionSet(actor, user, set), 'set-assigned');
    if (verb === 'unassign') {
      return (await service.unassignPermissionSet(actor, user, set)).removed
        ? 'set-unassigned'
        : 'set-not-assigned';
    }
    throw errors.badRequest('invalid_request', 'Choose whether to assign or unassign the permission set.');
  });

  action('/activations/revoke', async (req, actor, user) => {
    const network = field(req.body, 'network');
    if (network !== undefined && network !== '') {
      await service.revokeActivations(actor, user, network);
      return 'network-revoked';
    }
    if (field(req.body, 'all') !== 'yes') {
      throw errors.badRequest('invalid_request', 'Choose a network to revoke, or revoke every network.');
    }
    await service.revokeActivations(actor, user);
    return 'all-revoked';
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
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(issuedCodePage({ basePath, user: canonical, code: issued.code, expiresAt: issued.expires_at }));
  });

  return router;
}
