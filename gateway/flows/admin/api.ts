/**
 * The help-desk API (SPEC §4 `/admin/v1`, documented in docs/admin-api.yaml): JSON in and out,
 * errors as `{error, message}`. The route table below is what the router is built from and what
 * the OpenAPI test holds the document to.
 */
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import {
  csvHeader,
  csvRows,
  historyRecord,
  parseHistoryFormat,
  parseIsoDate,
  parseWholeNumber,
  verificationRecord,
} from '../../admin/history-export.js';
import type { Actor, AdminService } from '../../admin/service.js';
import type { TokenRegistry } from '../../admin/tokens.js';
import type { GatewayContext } from '../../context.js';
import { GatewayError, errors, isGatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import { apiActor } from './access.js';
import { logUnexpected } from '../../http/error-handler.js';

export const ADMIN_API_BASE = '/admin/v1';

export const ADMIN_API_ROUTES = [
  { method: 'get', path: '/users/:user', operation: 'getUser' },
  { method: 'delete', path: '/users/:user/mobile', operation: 'removeMobile' },
  { method: 'post', path: '/users/:user/temporary-code', operation: 'issueTemporaryCode' },
  { method: 'delete', path: '/users/:user/temporary-code', operation: 'expireTemporaryCode' },
  { method: 'get', path: '/users/:user/credentials', operation: 'listCredentials' },
  { method: 'delete', path: '/users/:user/credentials/:credential', operation: 'removeCredential' },
  { method: 'get', path: '/users/:user/permission-sets', operation: 'listPermissionSets' },
  { method: 'put', path: '/users/:user/permission-sets/:set', operation: 'assignPermissionSet' },
  { method: 'delete', path: '/users/:user/permission-sets/:set', operation: 'unassignPermissionSet' },
  { method: 'get', path: '/users/:user/activations', operation: 'listActivations' },
  { method: 'delete', path: '/users/:user/activations', operation: 'revokeAllActivations' },
  { method: 'delete', path: '/users/:user/activations/:network', operation: 'revokeActivation' },
  { method: 'get', path: '/history', operation: 'queryHistory' },
  { method: 'get', path: '/history/verify', operation: 'verifyHistory' },
] as const;

type Operation = (typeof ADMIN_API_ROUTES)[number]['operation'];
type Handler = (req: Request, res: Response, actor: Actor) => Promise<void>;

export const HISTORY_PAGE = { default: 100, max: 1000 };

/** A query parameter given once; a repeated one is refused rather than half-read. */
function queryText(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined || typeof value === 'string') return value;
  throw errors.badRequest('invalid_parameter', t('error.api.once', { name }), { parameter: name });
}

function param(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string') throw errors.notFound();
  return value;
}

export function adminApiRoutes(ctx: GatewayContext, service: AdminService, tokens: TokenRegistry): Router {
  const router = Router();

  async function history(req: Request, res: Response): Promise<void> {
    const user = queryText(req, 'user');
    const limit =
      parseWholeNumber('limit', queryText(req, 'limit'), {
        min: 1,
        max: HISTORY_PAGE.max,
      }) ?? HISTORY_PAGE.default;
    const format = parseHistoryFormat(queryText(req, 'format'), 'json');
    const found = await service.history({
      user: user === undefined || user === '' ? undefined : await service.canonicalName(user),
      since: parseIsoDate('since', queryText(req, 'since')),
      until: parseIsoDate('until', queryText(req, 'until')),
      beforeId: parseWholeNumber('before', queryText(req, 'before'), {
        min: 1,
        max: Number.MAX_SAFE_INTEGER,
      }),
      limit: limit + 1,
    });
    const entries = found.slice(0, limit);
    const nextBefore = found.length > limit ? (entries.at(-1)?.id ?? null) : null;
    if (nextBefore !== null) {
      const next = new URLSearchParams(req.query as Record<string, string>);
      next.set('before', String(nextBefore));
      res.set('Link', `<${ctx.basePath}${ADMIN_API_BASE}/history?${next.toString()}>; rel="next"`);
    }
    if (format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', 'attachment; filename="stepgate-history.csv"')
        .send(csvHeader() + csvRows(entries));
      return;
    }
    res.json({ entries: entries.map(historyRecord), next_before: nextBefore });
  }

  const handlers: Record<Operation, Handler> = {
    getUser: async (req, res) => void res.json(await service.summary(param(req, 'user'))),
    removeMobile: async (req, res, actor) =>
      void res.json(await service.removeMobile(actor, param(req, 'user'))),
    issueTemporaryCode: async (req, res, actor) => {
      const hours = (req.body as Record<string, unknown> | undefined)?.hours;
      res.status(201).json(await service.issueTemporaryCode(actor, param(req, 'user'), hours));
    },
    expireTemporaryCode: async (req, res, actor) =>
      void res.json(await service.expireTemporaryCode(actor, param(req, 'user'))),
    listCredentials: async (req, res) =>
      void res.json({ credentials: await service.credentials(param(req, 'user')) }),
    removeCredential: async (req, res, actor) =>
      void res.json(await service.removeCredential(actor, param(req, 'user'), param(req, 'credential'))),
    listPermissionSets: async (req, res) => void res.json(await service.permissionSets(param(req, 'user'))),
    assignPermissionSet: async (req, res, actor) =>
      void res.json(await service.assignPermissionSet(actor, param(req, 'user'), param(req, 'set'))),
    unassignPermissionSet: async (req, res, actor) =>
      void res.json(await service.unassignPermissionSet(actor, param(req, 'user'), param(req, 'set'))),
    listActivations: async (req, res) => {
      const networks = await service.activations(param(req, 'user'));
      res.json(
        networks.map((n) => ({
          network: n.network,
          first_used_at: n.firstUsedAt.toISOString(),
          last_used_at: n.lastUsedAt.toISOString(),
          method: n.method,
        })),
      );
    },
    revokeAllActivations: async (req, res, actor) =>
      void res.json(await service.revokeActivations(actor, param(req, 'user'))),
    revokeActivation: async (req, res, actor) =>
      void res.json(await service.revokeActivations(actor, param(req, 'user'), param(req, 'network'))),
    queryHistory: (req, res) => history(req, res),
    verifyHistory: async (_req, res) => void res.json(verificationRecord(await service.verifyHistory())),
  };

  const actors = new WeakMap<Request, Actor>();
  router.use(ADMIN_API_BASE, async (req, res, next) => {
    // What this API answers holds codes and personal data: never cached anywhere.
    res.set('Cache-Control', 'no-store');
    actors.set(req, await apiActor(ctx, tokens, req, res));
    next();
  });
  for (const route of ADMIN_API_ROUTES) {
    const handle = handlers[route.operation];
    router[route.method](`${ADMIN_API_BASE}${route.path}`, async (req, res) => {
      const actor = actors.get(req);
      if (!actor) throw errors.internal();
      await handle(req, res, actor);
    });
  }
  router.use(ADMIN_API_BASE, (_req, _res, next) => next(errors.notFound()));
  router.use(ADMIN_API_BASE, apiErrors(ctx));
  return router;
}

/** Programs call this API: its errors are JSON whatever the Accept header says. */
function apiErrors(ctx: GatewayContext): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    let known = isGatewayError(error) ? error : undefined;
    if (!known) {
      const status = (error as { status?: unknown } | null)?.status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        // e.g. a path parameter that is not valid percent-encoding
        known = new GatewayError(status, 'bad_request', t('error.bad_request'));
      } else {
        logUnexpected(ctx.ports.logger, error, req.path);
        known = errors.internal();
      }
    }
    res.status(known.status).json({ error: known.code, message: known.message, ...known.fields });
  };
}
