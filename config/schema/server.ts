/** stepgate.yaml `server:`. */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { duration, formatDuration } from '../duration.js';
import { oneOf, USER_TYPES } from '../../policies/schema-fields.js';
import { httpUrl } from './common.js';

const listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "must be 'host:port' such as '127.0.0.1:8080'")
  .describe('Address and port stepgate listens on.');

function isAddressOrBlock(value: string): boolean {
  return (
    ipaddr.IPv4.isValidFourPartDecimal(value) ||
    ipaddr.IPv4.isValidCIDRFourPartDecimal(value) ||
    ipaddr.IPv6.isValid(value) ||
    ipaddr.IPv6.isValidCIDR(value)
  );
}

// The pattern is for editors; ipaddr.js rejects what it lets through, such as 10.0.0.0/33.
const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, {
    message: 'must be an IP address or a CIDR block such as 10.0.0.0/8',
    abort: true,
  })
  .refine(isAddressOrBlock, 'must be an IP address or a CIDR block such as 10.0.0.0/8');

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

// A host name or IPv4 address, or '*.' and a name of at least two labels: never a scheme, port or path.
const returnHost = z
  .string()
  .regex(
    new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\*\\.${LABEL}(?:\\.${LABEL})+)$`),
    "must be a host name such as 'app.example.com', or '*.example.com' for the names below example.com (no scheme, port or path)",
  );

export const serverSchema = z
  .strictObject({
    listen: listen.prefault('127.0.0.1:8080'),
    public_url: httpUrl
      .prefault('http://localhost:8080')
      .describe('The URL people reach stepgate at; redirects never leave its origin.'),
    base_path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/, "must start with '/' and not end with '/'")
      .prefault('/_stepgate')
      .describe("Path prefix of stepgate's own pages and APIs."),
    trusted_proxies: z
      .array(cidr)
      .prefault([])
      .describe('X-Forwarded-For is honoured only from these peers, read from the right.'),
    allowed_return_hosts: z
      .array(returnHost)
      .prefault([])
      .describe(
        "Hosts besides public_url's that return_to and redirects may name: exact names, or '*.example.com' for any name below example.com (not example.com itself). For applications behind a forward-auth proxy (docs/forward-auth.md).",
      ),
    metrics_networks: z
      .array(cidr)
      .prefault(['127.0.0.0/8', '::1/128'])
      .describe(
        "GET /metrics answers only clients in these networks (the operators' Prometheus); others get 404.",
      ),
    shutdown_timeout: duration()
      .prefault('10s')
      .describe(
        'On SIGTERM stepgate stops accepting connections and lets in-flight requests finish for at most this long.',
      ),
    headers_timeout: duration()
      .prefault('20s')
      .describe(
        'A client must send the whole request head within this long, on a new connection too (slow-loris).',
      ),
    request_timeout: duration()
      .prefault('5m')
      .describe(
        'A client must send the whole request, body included, within this long (large uploads need more).',
      ),
    keep_alive_timeout: duration()
      .prefault('5s')
      .describe(
        'An idle keep-alive connection is closed after this long; behind a load balancer, make it longer than its idle timeout.',
      ),
    entry_points: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]*$/, 'entry point names are lowercase words'),
        z.strictObject({
          hosts: z
            .array(z.string().min(1))
            .min(1)
            .describe('Host names (Host header, without port) that reach this entry point.'),
          user_types: z
            .array(oneOf(USER_TYPES))
            .min(1)
            .optional()
            .describe(
              'The user types that may sign in at this entry point; others are refused (403). Any type when absent.',
            ),
        }),
      )
      .prefault({})
      .describe(
        "Entry points by Host header; a request matching none is at the 'standard' entry point. Any client can set the Host header, so an entry point never exempts anyone on its own.",
      ),
  })
  .superRefine((server, ctx) => {
    // Node refuses a head timeout longer than the whole-request timeout.
    if (server.headers_timeout > server.request_timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers_timeout'],
        message: `must not be longer than request_timeout (${formatDuration(server.request_timeout)})`,
      });
    }
  })
  .describe('Where stepgate listens and how it reads requests.');
