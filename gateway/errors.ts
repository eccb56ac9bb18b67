/**
 * One error type for everything a client may see: an HTTP status, a stable code for programs,
 * and a sentence a person can act on. Anything else thrown is a 500 whose detail stays in the log.
 */
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
  invalidCredentials: () =>
    new GatewayError(401, 'invalid_credentials', 'The username or password is incorrect.'),
  signInRequired: () => new GatewayError(401, 'sign_in_required', 'Sign in to continue.'),
  confirmationRequired: () =>
    new GatewayError(401, 'confirmation_required', 'Confirm your identity to continue.'),
  forbidden: (message = 'You are not allowed to do that.') => new GatewayError(403, 'forbidden', message),
  accessDenied: () =>
    new GatewayError(403, 'access_denied', 'Your organisation does not allow you to sign in here.'),
  csrf: () =>
    new GatewayError(
      403,
      'invalid_csrf_token',
      'This form has expired or did not come from this site. Go back, reload the page and try again.',
    ),
  notFound: () => new GatewayError(404, 'not_found', 'There is nothing at this address.'),
  unsupportedMediaType: () =>
    new GatewayError(
      415,
      'unsupported_media_type',
      'Send the request as application/json or as a form (application/x-www-form-urlencoded).',
    ),
  badGateway: () =>
    new GatewayError(
      502,
      'upstream_unavailable',
      'The application behind this gateway is not answering. Try again shortly.',
    ),
  gatewayTimeout: () =>
    new GatewayError(
      504,
      'upstream_timeout',
      'The application behind this gateway took too long to answer. Try again shortly.',
    ),
  unavailable: (what: string) =>
    new GatewayError(503, 'unavailable', `${what} is unavailable right now. Try again shortly.`),
  storeUnavailable: () =>
    new GatewayError(
      503,
      'store_unavailable',
      'Sign-in is unavailable right now because its database is not answering. Try again shortly.',
    ),
  historyKeyMissing: () =>
    new GatewayError(
      409,
      'history_key_missing',
      "The history's chain cannot be checked without its key: set STEPGATE_HISTORY_KEY where this runs.",
    ),
  internal: () =>
    new GatewayError(
      500,
      'internal_error',
      'Something went wrong on our side. Try again; if it keeps happening, tell your help desk.',
    ),
};

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
