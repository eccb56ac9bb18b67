import type { ErrorRequestHandler, Request, Response } from 'express';
import { GatewayError, errors, isGatewayError } from '../errors.js';
import { UnusableIdentityError } from '../identity.js';
import {
  DeliveryError,
  DependencyUnavailableError,
  DirectoryUnavailableError,
  SamlRejectedError,
  StoreUnavailableError,
  type Logger,
} from '../ports.js';
import { t } from '../i18n/index.js';
import { errorPage, newReference } from './error-page.js';
import { wantsJson } from './negotiate.js';
import { currentScope } from './scope.js';

/**
 * A code that could not be delivered. Permanent: the person's number or address cannot receive it,
 * 400 with the sender's own sentence. Transient: 503, and the challenge stays open for a retry.
 */
export function deliveryFailure(error: DeliveryError): GatewayError {
  if (error.permanent) return errors.badRequest(error.code, error.message);
  return new GatewayError(503, 'delivery_failed', t('error.delivery_failed'));
}

/** Body-parser errors carry a status and a type; turn them into our own codes. */
function fromLibraryError(error: unknown): GatewayError | undefined {
  if (error instanceof DirectoryUnavailableError) return errors.unavailable('directory');
  // A password that binds but an entry without a usable username: an operator must fix the directory
  // or attributes.username; the person is never signed in under what they typed.
  if (error instanceof UnusableIdentityError) {
    return new GatewayError(502, 'directory_entry_unusable', t('error.directory_entry_unusable'));
  }
  if (error instanceof StoreUnavailableError) return errors.storeUnavailable();
  // Redis (sessions, limits) not answering: fail closed, whatever the request needed it for.
  if (error instanceof DependencyUnavailableError) return errors.unavailable('sign_in');
  if (error instanceof DeliveryError) return deliveryFailure(error);
  if (error instanceof SamlRejectedError) {
    return new GatewayError(401, 'saml_rejected', t('error.saml_rejected'));
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: number; type?: string };
  if (type === 'entity.parse.failed') return errors.badRequest('invalid_json', t('error.invalid_json'));
  if (type === 'entity.too.large') return new GatewayError(413, 'body_too_large', t('error.body_too_large'));
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return errors.unsupportedMediaType();
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new GatewayError(status, 'bad_request', t('error.bad_request'));
  return undefined;
}

export interface SendErrorOptions {
  /** The reference already logged for this error (the error handler logs unexpected errors itself). */
  reference?: string;
  /** More fields for the log line. */
  log?: Record<string, unknown>;
}

/**
 * Answers with `error`: JSON for programs, else a page (http/error-page.ts) with the next step and
 * a reference. The reference is written to the log with the error, so the line can be found from
 * what a person reads out; a 5xx is logged as a warning whichever way it is answered.
 */
export function sendError(
  req: Request,
  res: Response,
  error: GatewayError,
  options: SendErrorOptions = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status);
  res.set('Cache-Control', 'no-store');
  const json = wantsJson(req);
  const scope = currentScope();
  let reference = options.reference;
  if (reference === undefined && scope && (error.status >= 500 || !json)) {
    reference = newReference();
    const path = req.baseUrl + req.path;
    const fields = { reference, status: error.status, code: error.code, path, ...options.log };
    if (error.status >= 500) scope.logger.warn('request failed', fields);
    else scope.logger.info('request refused', fields);
  }
  if (json) {
    res.json({ error: error.code, message: error.message, ...error.fields });
    return;
  }
  res.type('html').send(errorPage({ req, error, scope, reference }));
}

/** For the log: which system did not answer, and why. */
function dependencyOf(error: unknown): Record<string, unknown> {
  if (!(error instanceof DependencyUnavailableError)) return {};
  return {
    dependency: error.dependency,
    cause: error.cause instanceof Error ? error.cause.message : undefined,
  };
}

/** An error nothing expected: logged with its stack, for the operators; the client sees only a 500. */
export function logUnexpected(logger: Logger, error: unknown, path?: string, reference?: string): void {
  logger.error('unexpected error', {
    ...(reference !== undefined && { reference }),
    path,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = isGatewayError(error) ? error : fromLibraryError(error);
    if (known) return sendError(req, res, known, { log: dependencyOf(error) });
    const reference = newReference();
    logUnexpected(logger, error, req.path, reference);
    sendError(req, res, errors.internal(), { reference });
  };
}
