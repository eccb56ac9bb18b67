/**
 * GET /healthz: the process answers. GET /readyz: it can do its work — the store, the limiter
 * and any further systems the ports name (Redis) answer.
 * Neither needs a session, and neither says more than a load balancer needs.
 * GET /metrics: counters for Prometheus (gateway/metrics.ts), with nobody's name or number in
 * them, for clients in server.metrics_networks only (loopback by default): a 404 for the rest.
 */
import { Router } from 'express';
import { NetworkSet } from '../../../policies/cidr.js';
import { clientOf, type GatewayContext } from '../../context.js';
import { errors } from '../../errors.js';
import { sendError } from '../../http/error-handler.js';

export function healthRoutes(ctx: GatewayContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const probes: Record<string, () => Promise<void>> = {
      store: () => ctx.ports.store.ping(),
      limiter: () => ctx.ports.limiter.ping(),
      ...ctx.ports.health,
    };
    // All at once, each bounded: a hung dependency makes readyz say so, not hang with it.
    const results = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => [name, await probeWithin(name, probe)] as const),
    );
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    for (const [name, error] of results) {
      checks[name] = error === undefined ? 'ok' : 'unavailable';
      if (error !== undefined) ctx.ports.logger.warn(`${name} not ready`, { error });
    }
    const ready = Object.values(checks).every((state) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  const scrapers = new NetworkSet(ctx.config.server.metrics_networks);
  router.get('/metrics', async (req, res, next) => {
    if (!scrapers.has(clientOf(req).ip)) return sendError(req, res, errors.notFound());
    try {
      const text = await ctx.metrics.text();
      res.status(200).set('Cache-Control', 'no-store').type(ctx.metrics.contentType).send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/** A readiness check that has not answered within this long counts as unavailable. */
export const READY_PROBE_TIMEOUT_MS = 3_000;

/** Runs one check; resolves to why it failed, or undefined when it answered in time. */
async function probeWithin(name: string, probe: () => Promise<void>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`${name} did not answer within ${READY_PROBE_TIMEOUT_MS} ms`),
      READY_PROBE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([probe().then(() => undefined), late]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
