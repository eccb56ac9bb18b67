/**
 * The IdP sidecar API (`/sidecar/v1`), shaped after the Keycloak Authenticator SPI so a thin
 * authenticator maps onto it one call per step: `authenticate` → evaluate, `action` → send /
 * verify / mobile, `configuredFor` → configured. Policy, methods, limits, lockouts and history
 * are the gateway's own. The client IP is the one the IdP saw, taken only from the request body
 * of an authenticated IdP: headers such as X-Forwarded-For are never read here.
 */
import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { GatewayError, errors } from '../../errors.js';
import { t } from '../../i18n/index.js';
import type { GatewayContext } from '../../context.js';
import { canonicalUsername } from '../../identity.js';
import { bearerToken, type TokenRegistry } from '../../admin/tokens.js';
import type { SignedInUser } from '../../sessions.js';
import {
  currentChallenge,
  sendChallengeCode,
  verifyChallengeCode,
  type FlowDeps,
} from '../confirm/challenge.js';
import { verifiedMobile } from '../confirm/methods.js';
import { decideSignIn } from '../login/decide.js';
import {
  declineOption,
  declineRegistration,
  startRegistration,
  verifyRegistration,
} from '../mobile/registration.js';
import { field } from '../guards.js';
import { evaluateRequest, parseBody, type EvaluateRequest } from './requests.js';
import { Transactions, type Transaction } from './transactions.js';

export const SIDECAR_API_BASE = '/sidecar/v1';

const unauthorized = (message: string) => new GatewayError(401, 'unauthorized', message);

/** A number from the IdP's user record counts as verified, like one from the directory (SPEC §1.4). */
function e164(mobile: string | undefined): string | undefined {
  const parsed = mobile ? parsePhoneNumberFromString(mobile) : undefined;
  return parsed?.isValid() ? parsed.number : undefined;
}

export function sidecarRoutes(ctx: GatewayContext, deps: FlowDeps, tokens: TokenRegistry): Router {
  const router = Router();
  const { ports } = ctx;
  const transactions = new Transactions({ sessions: ports.sessions, clock: ports.clock });
  const lifetime = (auth: SignedInUser) => {
    const doc = ctx.policy.current().document;
    const code = doc.identity_confirmation.code.lifetime;
    return auth.stage === 'registering_mobile' ? Math.max(code, doc.mobile_registration.code_lifetime) : code;
  };

  /** Only a token with the scope `sidecar`; the IdP's session cookies, if any, count for nothing. */
  function caller(req: Request, res: Response): string {
    const token = bearerToken(req.get('authorization'));
    const holder = token === undefined ? undefined : tokens.identify(token);
    if (!holder) {
      res.set('WWW-Authenticate', 'Bearer realm="stepgate-sidecar"');
      throw unauthorized(token === undefined ? t('error.api.sidecar_no_token') : t('error.api.bad_token'));
    }
    if (!holder.scopes.includes('sidecar')) {
      throw new GatewayError(403, 'insufficient_scope', t('error.api.sidecar_scope'));
    }
    return holder.name;
  }

  /** What the authenticator shows next for a transaction. */
  async function describe(transaction: Transaction) {
    const { auth } = transaction;
    const base = {
      transaction_id: transaction.id,
      expires_at: new Date(transaction.expiresAt).toISOString(),
    };
    if (auth.stage === 'registering_mobile') {
      return {
        ...base,
        decision: 'register_mobile',
        allow_decline: (await declineOption(deps, auth)).allowed,
        methods: [],
      };
    }
    if (auth.stage === 'confirming') {
      const { offered } = await currentChallenge(deps, auth);
      return { ...base, decision: 'confirm', methods: offered };
    }
    return { ...base, decision: 'done', confirmation: auth.confirmation ?? null, methods: [] };
  }

  async function step(req: Request, res: Response, run: (tx: Transaction) => Promise<SignedInUser | void>) {
    const token = caller(req, res);
    const transaction = await transactions.load(String(req.params.transaction), token);
    const next = await run(transaction);
    if (next) transaction.auth = next;
    if (transaction.auth.stage === 'confirmed') await transactions.end(transaction.id);
    else await transactions.save(transaction, lifetime(transaction.auth));
    return describe(transaction);
  }

  router.use(SIDECAR_API_BASE, (_req, res, next) => {
    // Transaction ids and masked destinations: never cached anywhere.
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.post('/sidecar/v1/evaluate', async (req, res) => {
    const token = caller(req, res);
    const body: EvaluateRequest = parseBody(evaluateRequest, req.body);
    const decided = await decideSignIn(
      {
        user: body.user,
        email: body.email,
        sourceMobile: e164(body.mobile),
        login: body.login,
        userType: body.user_type ?? 'standard',
        profile: body.profile,
        permissionSets: body.permission_sets ?? [],
        groups: body.groups ?? [],
      },
      {
        sourceIp: body.client_ip,
        entryPoint: body.entry_point ?? 'standard',
        userAgent: body.user_agent ?? null,
      },
      ctx.policy.current(),
      ports,
    );
    // What the IdP's authenticator can show; one that does not say shows a code field for all.
    const presentableMethods =
      body.methods ?? deps.factors.methods.all.filter((m) => m.answeredWithCode).map((m) => m.id);
    const auth = { ...decided, presentableMethods };
    const rule = auth.decision.rule;
    if (auth.decision.action === 'deny') return void res.json({ decision: 'deny', rule, methods: [] });
    if (auth.stage === 'skipped' || auth.stage === 'confirmed') {
      await ctx.recordSignIn(auth);
      return void res.json({ decision: 'skip', rule, reason: auth.confirmation, methods: [] });
    }
    const transaction = await transactions.create(token, auth, lifetime(auth));
    res.status(201).json({ ...(await describe(transaction)), rule });
  });

  router.get('/sidecar/v1/transactions/:transaction', async (req, res) => {
    res.json(await step(req, res, async () => undefined));
  });

  router.post('/sidecar/v1/transactions/:transaction/send', async (req, res) => {
    let shown: Record<string, unknown> = {};
    const state = await step(req, res, async (tx) => {
      const started = await sendChallengeCode(
        deps,
        requireStage(tx, 'confirming'),
        field(req.body, 'method'),
      );
      shown = started.shown;
      return started.auth;
    });
    res.json({ sent: true, ...shown, ...state });
  });

  router.post('/sidecar/v1/transactions/:transaction/verify', async (req, res) => {
    const state = await step(req, res, (tx) =>
      verifyChallengeCode(deps, requireStage(tx, 'confirming'), field(req.body, 'method'), req.body),
    );
    res.json(state);
  });

  router.post('/sidecar/v1/transactions/:transaction/mobile', async (req, res) => {
    let destination = '';
    const state = await step(req, res, async (tx) => {
      ({ destination } = await startRegistration(
        deps,
        requireStage(tx, 'registering_mobile'),
        field(req.body, 'phone') ?? '',
      ));
    });
    res.json({ sent: true, destination, ...state });
  });

  router.post('/sidecar/v1/transactions/:transaction/mobile/verify', async (req, res) => {
    const state = await step(req, res, (tx) =>
      verifyRegistration(deps, requireStage(tx, 'registering_mobile'), field(req.body, 'code')),
    );
    res.json({ verified: true, ...state });
  });

  router.post('/sidecar/v1/transactions/:transaction/mobile/decline', async (req, res) => {
    const state = await step(req, res, (tx) =>
      declineRegistration(deps, requireStage(tx, 'registering_mobile')),
    );
    res.json(state);
  });

  /**
   * The SPI's configuredFor: can this user answer a challenge other than by email? A verified
   * mobile, or a credential of any method; `credentials` names the methods they hold one for,
   * with one flag per method that keeps credentials (`authenticator: true`).
   */
  router.get('/sidecar/v1/users/:user/configured', async (req, res) => {
    caller(req, res);
    const user = canonicalUsername(String(req.params.user));
    const [mobile, held] = await Promise.all([
      verifiedMobile(
        ports.store,
        user,
        e164(typeof req.query.mobile === 'string' ? req.query.mobile : undefined),
      ),
      deps.factors.methods.credentialsOf(user),
    ]);
    const methods = deps.factors.methods.withCredentials().map((method) => method.id);
    res.json({
      user,
      configured: mobile !== undefined || held.length > 0,
      mobile: mobile !== undefined,
      ...Object.fromEntries(methods.map((id) => [id, held.some((c) => c.method === id)])),
      credentials: [...new Set(held.map((c) => c.method))],
    });
  });

  router.post('/sidecar/v1/users/:user/temporary-code/expire', async (req, res) => {
    const token = caller(req, res);
    const user = canonicalUsername(String(req.params.user));
    const expired = await ports.store.expireTemporaryCode(user, ports.clock.now());
    if (expired) {
      await ports.store.appendHistory({
        time: ports.clock.now(),
        user,
        method: 'temporary_code',
        status: 'Succeeded',
        triggeredBy: 'TemporaryCode',
        sourceIp: null,
        login: null,
        entryPoint: null,
        userAgent: null,
        detail: `expired early through the sidecar (token ${token})`,
      });
    }
    res.json({ expired });
  });

  router.use(SIDECAR_API_BASE, (_req, _res, next) => next(errors.notFound()));
  router.use(SIDECAR_API_BASE, jsonErrors);
  return router;
}

/**
 * Programs call this API, and an IdP's HTTP client rarely sends `Accept: application/json`: its
 * errors are JSON whatever that header says. The gateway's own handler still maps and logs them.
 */
const jsonErrors: ErrorRequestHandler = (error, req, _res, next) => {
  req.headers.accept = 'application/json';
  next(error);
};

function requireStage(transaction: Transaction, stage: SignedInUser['stage']): SignedInUser {
  if (transaction.auth.stage !== stage) {
    const now = transaction.auth.stage === 'registering_mobile' ? 'register_mobile' : 'confirm';
    throw new GatewayError(409, 'wrong_step', t('error.sidecar.wrong_step', { step: now }));
  }
  return transaction.auth;
}
