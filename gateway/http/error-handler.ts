import type { ErrorRequestHandler, Request, Response } from 'express';
import { GatewayError, errors, isGatewayError } from '../errors.js';
import { UnusableIdentityError } from '../identity.js';
import {
  DELIVERY_FAILED_MESSAGE,
  DeliveryError,
  DependencyUnavailableError,
  DirectoryUnavailableError,
  SamlRejectedError,
  StoreUnavailableError,
  type Logger,
} from '../ports.js';
import { html, page } from './html.js';
import { wantsJson } from './negotiate.js';

/**
 * A code that could not be delivered. Permanent: the person's number or address cannot receive it,
 * 400 with the sender's own sentence. Transient: 503, and the challenge stays open for a retry.
 */
export function deliveryFailure(error: DeliveryError): GatewayError {
  if (error.permanent) return errors.badRequest(error.code, error.message);
  return new GatewayError(503, 'delivery_failed', DELIVERY_FAILED_MESSAGE);
}

/** Body-parser errors carry a status and a type; turn them into our own codes. */
function fromLibraryError(error: unknown): GatewayError | undefined {
  if (error instanceof DirectoryUnavailableError) return errors.unavailable('The directory');
  // A password that binds but an entry without a usable username: an operator must fix the directory
  // or attributes.username; the person is never signed in under what they typed.
  if (error instanceof UnusableIdentityError) {
    return new GatewayError(
      502,
      'directory_entry_unusable',
      'Your directory account has no username this service can use. Tell your help desk.',
    );
  }
  if (error instanceof StoreUnavailableError) return errors.storeUnavailable();
  // Redis (sessions, limits) not answering: fail closed, whatever the request needed it for.
  if (error instanceof DependencyUnavailableError) return errors.unavailable('Sign-in');
  if (error instanceof DeliveryError) return deliveryFailure(error);
  if (error instanceof SamlRejectedError) {
    return new GatewayError(
      401,
      'saml_rejected',
      "Your identity provider's answer could not be accepted. Try signing in again.",
    );
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: number; type?: string };
  if (type === 'entity.parse.failed')
    return errors.badRequest('invalid_json', 'The request body is not valid JSON.');
  if (type === 'entity.too.large')
    return new GatewayError(413, 'body_too_large', 'The request body is too large.');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return errors.unsupportedMediaType();
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new GatewayError(status, 'bad_request', 'The request could not be understood.');
  return undefined;
}

export function sendError(req: Request, res: Response, error: GatewayError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status);
  res.set('Cache-Control', 'no-store');
  if (wantsJson(req)) {
    res.json({ error: error.code, message: error.message, ...error.fields });
    return;
  }
  res.type('html').send(
    page({
      title: error.status >= 500 ? 'Service problem' : 'Cannot continue',
      body: html`<h1>${error.status >= 500 ? 'Service problem' : 'Cannot continue'}</h1>
        <p class="error" role="alert">${error.message}</p>
        <p class="muted">Reference: ${error.code}</p>`,
    }),
  );
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
export function logUnexpected(logger: Logger, error: unknown, path?: string): void {
  logger.error('unexpected error', {
    path,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = isGatewayError(error) ? error : fromLibraryError(error);
    if (known) {
      if (known.status >= 500) {
        logger.warn('request failed', { code: known.code, path: req.path, ...dependencyOf(error) });
      }
      sendError(req, res, known);
      return;
    }
    logUnexpected(logger, error, req.path);
    sendError(req, res, errors.internal());
  };
}
