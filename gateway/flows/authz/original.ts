/**
 * The request a proxy asks about (SPEC §4 `/authz/*`), read from the headers each proxy's protocol
 * puts it in. Those headers are believed only from a direct peer in `server.trusted_proxies`:
 * anyone else could name any URL, so their questions are refused (403 untrusted_proxy), never
 * answered from the headers.
 *
 * The request target is kept exactly as the proxy passed it on, never decoded or normalised: access
 * is decided on the path the upstream gets (SPEC §4), as the built-in proxy does.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errors } from '../../errors.js';
import { t } from '../../i18n/index.js';

export type AuthzProtocol = 'auth-request' | 'forward-auth' | 'ext-authz';

export interface OriginalRequest {
  method: string;
  proto: 'http' | 'https';
  /** The Host the client sent, port included. */
  host: string;
  /** The host name alone, lower case: what entry points and allowed_return_hosts name. */
  hostname: string;
  /** The request target as it came: path and query. */
  target: string;
}

export const untrustedProxy = (): GatewayError =>
  new GatewayError(403, 'untrusted_proxy', t('error.authz.untrusted_proxy'));

type HeaderProblem =
  | 'header_repeated'
  | 'header_missing'
  | 'header_method'
  | 'header_proto'
  | 'header_host'
  | 'header_target'
  | 'header_url';

const invalid = (header: string, what: HeaderProblem): GatewayError =>
  errors.badRequest('invalid_original_request', t(`error.authz.${what}`, { header }));

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A name or IPv4 address, or an IPv6 literal in brackets, with an optional port.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
// Visible ASCII only: a target with spaces or controls is not one any proxy forwards as it is.
const TARGET = /^[\x21-\x7e]*$/;

/** One value of a header; a repeated header is two claims, and which is right cannot be known. */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw invalid(name, 'header_repeated');
  return value === undefined || value === '' ? undefined : value;
}

function required(headers: IncomingHttpHeaders, name: string): string {
  const value = single(headers, name);
  if (value === undefined) throw invalid(name, 'header_missing');
  return value;
}

function method(headers: IncomingHttpHeaders, name: string, fallback: string): string {
  const value = single(headers, name) ?? fallback;
  if (value === 'GET') return value;
  if (!TOKEN.test(value)) throw invalid(name, 'header_method');
  return value.toUpperCase();
}

function proto(value: string | undefined, fallback: 'http' | 'https', name: string): 'http' | 'https' {
  if (value === undefined) return fallback;
  // A chain of proxies may list one per hop: the first is what the client used.
  const lower = (value.split(',')[0] ?? '').trim().toLowerCase();
  if (lower !== 'http' && lower !== 'https') throw invalid(name, 'header_proto');
  return lower;
}

function hostParts(value: string, name: string): Pick<OriginalRequest, 'host' | 'hostname'> {
  if (!HOST.test(value)) throw invalid(name, 'header_host');
  const lower = value.toLowerCase();
  const hostname = lower.startsWith('[')
    ? lower.slice(0, lower.indexOf(']') + 1)
    : lower.replace(/:\d+$/, '');
  return { host: value, hostname };
}

function target(value: string, name: string): string {
  if (!TARGET.test(value)) throw invalid(name, 'header_target');
  if (value === '') return '/';
  return value.startsWith('?') ? `/${value}` : value;
}

/** Where the authority of `http://…` or `https://…` (any letter case) starts, or -1. */
function authorityStart(url: string): number {
  // 'http' in any case, then 's' or not, then '://'.
  if (url.length < 8 || (url.charCodeAt(0) | 0x20) !== 0x68) return -1;
  if ((url.charCodeAt(1) | 0x20) !== 0x74 || (url.charCodeAt(2) | 0x20) !== 0x74) return -1;
  if ((url.charCodeAt(3) | 0x20) !== 0x70) return -1;
  const at = (url.charCodeAt(4) | 0x20) === 0x73 ? 5 : 4;
  return url.startsWith('://', at) ? at + 3 : -1;
}

/** The end of the authority that starts at `from`: the first '/', '?' or '#', or the end. */
function authorityEnd(url: string, from: number): number {
  let end = from;
  for (; end < url.length; end++) {
    const code = url.charCodeAt(end);
    if (code === 0x2f || code === 0x3f || code === 0x23) break;
  }
  return end;
}

/**
 * nginx auth_request: `X-Original-URL: <scheme>://<host><target>` and `X-Original-Method`. The URL
 * is split by hand: a URL parser would resolve dot segments and decode the path. This runs for
 * every question nginx asks, so it is read in one pass, without a regular expression's copies.
 */
export function fromOriginalUrl(headers: IncomingHttpHeaders): OriginalRequest {
  const url = required(headers, 'x-original-url');
  const start = authorityStart(url);
  const end = start < 0 ? start : authorityEnd(url, start);
  if (end <= start) throw invalid('x-original-url', 'header_url');
  const { host, hostname } = hostParts(url.slice(start, end), 'x-original-url');
  return {
    method: method(headers, 'x-original-method', 'GET'),
    proto: start === 8 ? 'https' : 'http',
    host,
    hostname,
    target: target(url.slice(end), 'x-original-url'),
  };
}

/** Traefik ForwardAuth, Caddy forward_auth: `X-Forwarded-Method/Proto/Host/Uri`. */
export function fromForwardedHeaders(
  headers: IncomingHttpHeaders,
  defaultProto: 'http' | 'https',
): OriginalRequest {
  return {
    method: method(headers, 'x-forwarded-method', 'GET'),
    proto: proto(single(headers, 'x-forwarded-proto'), defaultProto, 'x-forwarded-proto'),
    ...hostParts(required(headers, 'x-forwarded-host'), 'x-forwarded-host'),
    target: target(required(headers, 'x-forwarded-uri'), 'x-forwarded-uri'),
  };
}

/**
 * Envoy ext_authz (HTTP): the check request is the original one with the prefix put before its
 * path; `rest` is what follows the prefix. The host is the check request's own Host, or
 * x-forwarded-host when the proxy sends one.
 */
export function fromExtAuthz(
  requestMethod: string,
  rest: string,
  headers: IncomingHttpHeaders,
  defaultProto: 'http' | 'https',
): OriginalRequest {
  const host = single(headers, 'x-forwarded-host') ?? required(headers, 'host');
  return {
    method: requestMethod.toUpperCase(),
    proto: proto(single(headers, 'x-forwarded-proto'), defaultProto, 'x-forwarded-proto'),
    ...hostParts(host, headers['x-forwarded-host'] === undefined ? 'host' : 'x-forwarded-host'),
    target: target(rest, 'path'),
  };
}

/** The original request's URL, for return_to. */
export function originalUrl(original: OriginalRequest): string {
  return `${original.proto}://${original.host}${original.target}`;
}
