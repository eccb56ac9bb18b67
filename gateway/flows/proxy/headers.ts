/**
 * Headers the upstream must be able to trust (SPEC §4). Whatever a client sent under the names the
 * gateway owns is removed first, in any spelling that reads the same once '_' is taken for '-':
 * CGI, Rack, WSGI and PHP turn 'X_Stepgate_User' and 'X-Stepgate-User' alike into
 * HTTP_X_STEPGATE_USER. The gateway owns X-Stepgate-* (the identity), X-Forwarded-*, Forwarded and
 * X-Real-IP (who the client is: written again from what the gateway resolved), the client-address
 * headers of CDNs (X-Client-IP, True-Client-IP, CF-Connecting-IP...: removed), and X-Original-URL
 * and X-Rewrite-URL (which IIS and Symfony take as the path, past any check made on the real one).
 *
 * This runs on every proxied request: names are compared in place, without lowercased copies.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SignedInUser } from '../../sessions.js';
import { withoutCookies, type StepgateCookies } from '../../http/cookie-names.js';

const OWNED_PREFIXES = ['x-stepgate-', 'x-forwarded-'];
const OWNED_NAMES = [
  'forwarded',
  'x-real-ip',
  'x-original-url',
  'x-rewrite-url',
  // Client-address headers that CDNs set and applications read before X-Forwarded-For (npm
  // request-ip, Rails, Akamai- and Cloudflare-aware code): a client must not choose its address.
  'x-client-ip',
  'x-cluster-client-ip',
  'true-client-ip',
  'client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
];
/** The first letters of every owned name, lower case: most headers are ruled out on it. */
const FIRST_LETTERS = new Set([...OWNED_PREFIXES, ...OWNED_NAMES].map((name) => name.charCodeAt(0)));

const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;

/** Whether `name` reads as `owned` (lowercase) from its start, with any letter case and '_' for '-'. */
function readsAs(name: string, owned: string): boolean {
  for (let i = 0; i < owned.length; i++) {
    let code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    else if (code === UNDERSCORE) code = HYPHEN;
    if (code !== owned.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether a client's header `name` is one the gateway owns: removed before forwarding. */
export function isOwnedHeader(name: string): boolean {
  if (!FIRST_LETTERS.has(name.charCodeAt(0) | 0x20)) return false;
  for (const prefix of OWNED_PREFIXES) if (name.length >= prefix.length && readsAs(name, prefix)) return true;
  for (const owned of OWNED_NAMES) if (name.length === owned.length && readsAs(name, owned)) return true;
  return false;
}

/**
 * Fields that end at this hop (RFC 9110 §7.6.1), and `expect`: undici frames the request itself
 * and Node has already answered a client's `Expect: 100-continue`. `host` is not among them: the
 * upstream sees the Host the client sent.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/** Who the request is from, as the gateway resolved it, for X-Forwarded-* and Forwarded. */
export interface ForwardedFor {
  clientIp: string;
  proto: string;
  /** The Host header the client sent. */
  host: string | undefined;
}

/**
 * The head of a proxied HTTP request as undici takes it, a flat list of names and values, made in
 * one pass over the client's headers: what stripClientHeaders, stripCookie, setForwarded and
 * addIdentity do to a WebSocket upgrade's headers, without changing the request's own (deleting
 * properties costs more than all of it together), and without the hop-by-hop fields.
 */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  cookies: Pick<StepgateCookies, 'owns'>,
  from: ForwardedFor,
  auth: SignedInUser | undefined,
): string[] {
  const named = headers.connection === undefined ? undefined : connectionNamed(headers.connection);
  const list: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || isOwnedHeader(name) || named?.has(name)) continue;
    if (typeof value === 'string') {
      if (name !== 'cookie') list.push(name, value);
      else {
        const kept = withoutCookies(value, cookies.owns);
        if (kept !== undefined) list.push(name, kept);
      }
    } else for (const item of value) list.push(name, item);
  }
  const { clientIp, proto, host } = from;
  list.push('x-forwarded-for', clientIp, 'x-real-ip', clientIp, 'x-forwarded-proto', proto);
  if (host) list.push('x-forwarded-host', host);
  list.push('forwarded', lastForwarded(clientIp, proto, host));
  if (auth) list.push(...identityHeaders(auth));
  return list;
}

/** The last Forwarded element made, by what it was made of: a connection's requests share it. */
let last = { clientIp: '', proto: '', host: undefined as string | undefined, element: '' };

function lastForwarded(clientIp: string, proto: string, host: string | undefined): string {
  if (last.clientIp !== clientIp || last.proto !== proto || last.host !== host || last.element === '') {
    last = { clientIp, proto, host, element: forwardedElement(clientIp, proto, host) };
  }
  return last.element;
}

/** The fields a Connection header names, but those the request cannot go on without. */
function connectionNamed(value: string): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || CONNECTION_OPTIONS.has(name) || KEPT_FIELDS.has(name)) continue;
    (named ??= new Set()).add(name);
  }
  return named;
}

/**
 * The identity headers of a session (addIdentity's), as a flat list of names and values, made
 * once per session value: the fast paths' sessions are shared and frozen (ports.ts SessionPeek),
 * so the same object comes back on every request.
 */
const identities = new WeakMap<SignedInUser, string[]>();

export function identityHeaders(auth: SignedInUser): readonly string[] {
  let list = identities.get(auth);
  if (list === undefined) {
    const headers: IncomingHttpHeaders = {};
    addIdentity(headers, auth);
    list = Object.entries(headers).flatMap(([name, value]) => [name, String(value)]);
    // Only a frozen session cannot say something else on the next request.
    if (Object.isFrozen(auth)) identities.set(auth, list);
  }
  return list;
}

export function stripClientHeaders(headers: IncomingHttpHeaders): void {
  stripConnectionOptions(headers);
  for (const name in headers) if (isOwnedHeader(name)) delete headers[name];
}

/** Connection options that name no header of their own: they go on to the upstream. */
const CONNECTION_OPTIONS = new Set(['close', 'keep-alive', 'upgrade']);
/** Fields the request cannot go on without, whatever Connection names: its framing, Host, a WebSocket's Upgrade. */
const KEPT_FIELDS = new Set(['host', 'content-length', 'transfer-encoding', 'upgrade', 'connection']);

/**
 * Connection is hop-by-hop (RFC 9110 §7.6.1): the header fields it names end at this hop, and its
 * names must not reach the next one. A proxy between the gateway and the application (Apache,
 * Traefik) removes every field Connection names, so a client naming X-Stepgate-User or
 * X-Forwarded-For there would have it drop what the gateway wrote. Only close, keep-alive and
 * upgrade go on.
 */
function stripConnectionOptions(headers: IncomingHttpHeaders): void {
  const value = headers.connection;
  if (value === undefined) return;
  const kept: string[] = [];
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '') continue;
    if (CONNECTION_OPTIONS.has(name)) {
      if (!kept.includes(name)) kept.push(name);
    } else if (!KEPT_FIELDS.has(name)) delete headers[name];
  }
  if (kept.length === 0) delete headers.connection;
  else headers.connection = kept.join(', ');
}

/** Header values must be visible ASCII; anything else is percent-encoded rather than dropped. */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

/**
 * stepgate's cookies are its own: the upstream never sees the session cookie, nor the pre-session
 * cookies, which go with every request once they are `__Host-` cookies (http/cookie-names.ts).
 * The application's cookies go on as they came, in their order.
 */
export function stripCookie(headers: IncomingHttpHeaders, cookies: Pick<StepgateCookies, 'owns'>): void {
  const cookie = headers.cookie;
  if (!cookie) return;
  const kept = withoutCookies(cookie, cookies.owns);
  if (kept === undefined) delete headers.cookie;
  else headers.cookie = kept;
}

export function addIdentity(headers: IncomingHttpHeaders, auth: SignedInUser): void {
  headers['x-stepgate-user'] = headerValue(auth.user);
  if (auth.email) headers['x-stepgate-email'] = headerValue(auth.email);
  headers['x-stepgate-login'] = auth.login;
  headers['x-stepgate-confirmation'] = headerValue(auth.confirmation ?? 'none');
}

/**
 * Who the client is, as the gateway resolved it: the upstream sees the client, not whatever the
 * client claimed. `host` is the Host header the client sent, which is what the upstream gets too.
 */
export function setForwarded(
  headers: IncomingHttpHeaders,
  clientIp: string,
  proto: string,
  host?: string,
): void {
  headers['x-forwarded-for'] = clientIp;
  headers['x-real-ip'] = clientIp;
  headers['x-forwarded-proto'] = proto;
  if (host) headers['x-forwarded-host'] = host;
  headers.forwarded = forwardedElement(clientIp, proto, host);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A Forwarded value's parameter: a token as it is, anything else quoted (RFC 7239 §4). */
function parameter(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** One RFC 7239 element, 'for=192.0.2.1;host=app.example.org;proto=https'; IPv6 in brackets. */
export function forwardedElement(clientIp: string, proto: string, host?: string): string {
  const node = clientIp === '' ? 'unknown' : clientIp.includes(':') ? `"[${clientIp}]"` : clientIp;
  return host ? `for=${node};host=${parameter(host)};proto=${proto}` : `for=${node};proto=${proto}`;
}
