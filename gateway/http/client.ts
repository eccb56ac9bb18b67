import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ClientFacts } from '../context.js';

/** IPv4 peers arrive as '::ffff:a.b.c.d' on dual-stack sockets; people and policies know them as IPv4. */
export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped?.[1] ?? ip;
}

/**
 * The client IP: X-Forwarded-For is read from the right, and only across peers that are
 * trusted proxies; the first untrusted hop is the client. An untrusted direct peer's header
 * is ignored entirely.
 */
export function clientIp(req: IncomingMessage, isTrustedProxy: (ip: string) => boolean): string {
  let ip = normalizeIp(req.socket.remoteAddress ?? '');
  if (!isTrustedProxy(ip)) return ip;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i] ?? '');
    if (isIP(hop) === 0) return ip; // a garbled hop: stop at the last address we could trust
    ip = hop;
    if (!isTrustedProxy(hop)) return hop;
  }
  return ip;
}

/** The Host header without its port, lowercased. */
export function requestHost(req: IncomingMessage): string {
  const host = (req.headers.host ?? '').toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.replace(/:\d+$/, '');
}

export type RequestWithClient = Request & { clientIp: string; entryPoint: string };

export interface ClientLearner {
  /** The client's address and entry point of `req`. */
  learn(req: IncomingMessage): ClientFacts;
  /** Whether the peer of `req`'s connection is one of `server.trusted_proxies`. */
  peerTrusted(req: IncomingMessage): boolean;
}

/**
 * Works out what a connection's peer is once per connection: a peer that is no trusted proxy is
 * every request's client, and the entry point changes only with the Host header. A trusted
 * proxy's requests each name their own client (X-Forwarded-For); what the last request on the
 * connection said is remembered with what it meant, so the same words are not read twice.
 */
export function clientLearner(
  isTrustedProxy: (ip: string) => boolean,
  entryPointOf: (host: string) => string,
): ClientLearner {
  interface Peer {
    trusted: boolean;
    host?: string | undefined;
    forwardedFor?: string | string[] | undefined;
    facts?: ClientFacts;
  }
  const peers = new WeakMap<object, Peer>();
  function peerOf(req: IncomingMessage): Peer {
    let peer = peers.get(req.socket);
    if (peer === undefined) {
      peer = { trusted: isTrustedProxy(normalizeIp(req.socket.remoteAddress ?? '')) };
      peers.set(req.socket, peer);
    }
    return peer;
  }
  return {
    learn(req) {
      const peer = peerOf(req);
      const { host } = req.headers;
      // An untrusted peer's X-Forwarded-For is never read; a repeated header comes as a new array.
      const forwardedFor = peer.trusted ? req.headers['x-forwarded-for'] : undefined;
      if (peer.facts !== undefined && peer.host === host && peer.forwardedFor === forwardedFor) {
        return peer.facts;
      }
      const facts = Object.freeze({
        ip: clientIp(req, isTrustedProxy),
        entryPoint: entryPointOf(requestHost(req)),
      });
      peer.host = host;
      peer.forwardedFor = typeof forwardedFor === 'string' ? forwardedFor : undefined;
      peer.facts = typeof forwardedFor === 'object' ? undefined : facts;
      return facts;
    },
    peerTrusted: (req) => peerOf(req).trusted,
  };
}
