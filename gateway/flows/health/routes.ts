/**
 * GET /healthz: the process answers. GET /readyz: it can do its work — the store, the limiter
 * and any further systems the ports name (Redis) answer.
 * Neither needs a session, and neither says more than a load balancer needs.
 */
import { Router } from 'express';
import type { GatewayContext } from '../../context.js';

export function healthRoutes(ctx: GatewayContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    const probes: Record<string, () => Promise<void>> = {
      store: () => ctx.ports.store.ping(),
      limiter: () => ctx.ports.limiter.ping(),
      ...ctx.ports.health,
    };
    for (const [name, probe] of Object.entries(probes)) {
      try {
        await probe();
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = 'unavailable';
        ctx.ports.logger.warn(`${name} not ready`, {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const ready = Object.values(checks).every((state) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  return router;
}
