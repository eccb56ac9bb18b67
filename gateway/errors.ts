/**
 * One error type for everything a client may see: an HTTP status, a stable code for programs,
 * and a sentence a person can act on, from the message catalogue in the request's language
 * (English for a request that names no other). Anything else thrown is a 500 whose detail stays
 * in the log.
 */
import { t } from './i18n/index.js';

export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra JSON fields, e.g. `attempts_left`. */
  readonly fields: Readonly<Record<string, unknown>>;

  constructor(status: number, code: string, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export const errors = {
  badRequest: (code: string, message: string, fields?: Record<string, unknown>) =>
    new GatewayError(400, code, message, fields),
  invalidCredentials: () => new GatewayError(401, 'invalid_credentials', t('error.invalid_credentials')),
  signInRequired: () => new GatewayError(401, 'sign_in_required', t('error.sign_in_required')),
  confirmationRequired: () =>
    new GatewayError(401, 'confirmation_required', t('error.confirmation_required')),
  forbidden: (message = t('error.forbidden')) => new GatewayError(403, 'forbidden', message),
  accessDenied: () => new GatewayError(403, 'access_denied', t('error.access_denied')),
  csrf: () => new GatewayError(403, 'invalid_csrf_token', t('error.invalid_csrf_token')),
  notFound: () => new GatewayError(404, 'not_found', t('error.not_found')),
  unsupportedMediaType: () =>
    new GatewayError(415, 'unsupported_media_type', t('error.unsupported_media_type')),
  badGateway: () => new GatewayError(502, 'upstream_unavailable', t('error.upstream_unavailable')),
  gatewayTimeout: () => new GatewayError(504, 'upstream_timeout', t('error.upstream_timeout')),
  /** Sign-in as a whole (sessions, limits), or the directory it asks, cannot answer. */
  unavailable: (what: 'sign_in' | 'directory') =>
    new GatewayError(503, 'unavailable', t(`error.unavailable.${what}`)),
  storeUnavailable: () => new GatewayError(503, 'store_unavailable', t('error.store_unavailable')),
  historyKeyMissing: () => new GatewayError(409, 'history_key_missing', t('error.history_key_missing')),
  internal: () => new GatewayError(500, 'internal_error', t('error.internal')),
};

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
