/**
 * English: the errors of the programs' doors (forward-auth, the SAML and OpenID Connect answers,
 * the sidecar and admin APIs) and of the help-desk service, shown as a page to a browser and as
 * the `message` beside a JSON `error` code (the code stays as it is, for programs).
 */
export const api = {
  // Delivery and the history (http/error-handler.ts, errors.ts)
  'error.delivery_failed':
    'We could not send the code just now. Try again in a moment, or choose another way to confirm.',
  'error.history_key_missing':
    "The history's chain cannot be checked without its key: set STEPGATE_HISTORY_KEY where this runs.",

  // Forward-auth (flows/authz)
  'error.authz.untrusted_proxy':
    'This verification endpoint answers only the proxies listed in server.trusted_proxies.',
  'error.authz.header_repeated': 'The {header} header must be sent once.',
  'error.authz.header_missing':
    'The {header} header is missing; see docs/forward-auth.md for what the proxy must send.',
  'error.authz.header_method': 'The {header} header is not an HTTP method.',
  'error.authz.header_proto': "The {header} header must be 'http' or 'https'.",
  'error.authz.header_host': 'The {header} header must be one host name, with a port if any.',
  'error.authz.header_target':
    'The {header} header must be a request target without spaces or control characters.',
  'error.authz.header_url':
    "The {header} header must be an absolute http(s) URL such as 'https://app.example.com/path'.",
  'error.authz.ext_authz_prefix': 'The request target must start with the ext_authz path prefix.',
  'error.authz.denied': 'Your organisation does not allow you to open this address.',
  'error.authz.confirmation_here':
    'This address needs a sign-in with identity confirmation. Sign out, then sign in again from this address.',

  // SAML and OpenID Connect answers (flows/saml, flows/oidc)
  'error.federation.idp_refused':
    'Your identity provider did not sign you in. Try again, or ask your administrator.',
  'error.federation.unbound':
    'This sign-in was not started in this browser, or it took too long. Start signing in again.',
  'error.saml.replayed': 'This sign-in response was already used. Start signing in again.',
  'error.saml.unsolicited': 'Sign-in must start here, not at your identity provider. Start signing in again.',
  'error.saml.missing_response': 'The sign-in response is missing.',
  'error.oidc.replayed': 'This sign-in answer was already used. Start signing in again.',
  'error.oidc.unavailable': 'Your identity provider is not answering right now. Try again shortly.',

  // The APIs' tokens and requests (flows/sidecar, flows/admin)
  'error.api.bad_token': 'That API token is not valid.',
  'error.api.admin_scope': "That API token may not use the admin API: it lacks the scope 'admin'.",
  'error.api.sidecar_scope': "That API token may not use the sidecar API: it lacks the scope 'sidecar'.",
  'error.api.sidecar_no_token': 'Send the sidecar API token as Authorization: Bearer …',
  'error.api.invalid_request': 'The request is not valid: {problems}.',
  'error.api.field_unknown': '{path}: is not a known field',
  'error.api.field_required': '{path}: is required',
  'error.api.field_problem': '{path}: {problem}',
  'error.api.not_ip': 'must be an IPv4 or IPv6 address',
  'error.api.not_email': 'must be an email address',
  'error.api.once': "'{name}' may be given once.",
  'error.api.date':
    "'{name}' must be an ISO 8601 date such as 2026-01-15 or 2026-01-15T09:00:00Z but it is '{value}'.",
  'error.api.whole_number': "'{name}' must be a whole number from {min} to {max} but it is '{value}'.",
  'error.api.format': "'format' must be 'json' or 'csv' but it is '{value}'.",
  'error.sidecar.unknown_transaction':
    'There is no such transaction, or it has expired. Evaluate the sign-in again.',
  'error.sidecar.wrong_step': "This transaction is not at that step; its next step is '{step}'.",

  // The help-desk service (admin/service.ts), for the API, the console and the CLI
  'error.admin.unknown_user': "There is no user named '{user}'.",
  'error.admin.unknown_user_anywhere': "There is no user named '{user}' in the users file or directory.",
  'error.admin.unknown_credential': "'{user}' has no credential '{id}'.",
  'error.admin.temporary_hours': "A temporary code lasts 1 to 24 whole hours; '{hours}' is not allowed.",
  'error.admin.temporary_disabled': 'Temporary codes are not enabled in the policy.',
  'error.admin.inactive_user': "'{user}' is not active: no code is issued.",
  'error.admin.temporary_limit.one':
    'At most {count} temporary code may be issued for a user per hour. Try again later.',
  'error.admin.temporary_limit.other':
    'At most {count} temporary codes may be issued for a user per hour. Try again later.',
  'error.admin.unknown_network': "'{user}' has no remembered network '{network}'.",
  'error.admin.unknown_set': "There is no permission set named '{set}'. Known: {known}.",
} as const;
