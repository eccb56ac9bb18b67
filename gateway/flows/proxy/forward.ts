/**
 * The forwarding itself: one HTTP request to the upstream and its answer back to the client, on
 * undici's connection pool. Node's own client (http.request through an Agent, as http-proxy-3
 * uses it) builds a ClientRequest, an IncomingMessage and two piped streams per request; undici
 * writes the request head as one string on a kept-open connection and hands the answer over in
 * callbacks, which costs about half the CPU per request here (docs/benchmarks.md).
 *
 * The request's head is the caller's (headers.ts upstreamHeaders, hop-by-hop fields already out);
 * this file removes those of the answer (RFC 9110 §7.6.1) and frames nothing itself: undici
 * frames the request (a body arrives as a stream and leaves as one, Content-Length kept or
 * chunked), Node frames the answer to the client. Neither body is ever buffered whole: a slow
 * reader pauses the upstream's answer, a slow upstream pauses the client's upload.
 *
 * upstream.timeout bounds every silence: connecting, waiting for the answer's head (counted again
 * from each chunk of an upload) and between two chunks of the answer. A silence before the
 * answer began is a 504, a connection refused or lost before it a 502; once the answer began,
 * the client's connection is ended at once, so it never waits for a rest that will not come.
 * A client that leaves first has its upstream request aborted; that is no upstream failure.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { errors, type GatewayError } from '../../errors.js';
import type { GatewayContext } from '../../context.js';
import { pathOf } from './public-paths.js';
import { HOP_BY_HOP } from './headers.js';

export interface UpstreamForwarder {
  /**
   * Sends `req` with `headers` (its head for the upstream, headers.ts upstreamHeaders) to the
   * upstream and the answer to `res`; `failed` is called, with `res` untouched, when no answer
   * could begin.
   */
  forward(
    req: IncomingMessage,
    res: ServerResponse,
    headers: string[],
    failed: (error: GatewayError) => void,
  ): void;
  close(): void;
}

/**
 * The answer's headers for the client. A cookie the gateway set on this response already (Express
 * renewing the session) is kept beside the upstream's own, not replaced by them.
 */
function responseHeaders(headers: IncomingHttpHeaders, res: ServerResponse): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (!HOP_BY_HOP.has(name)) kept[name] = headers[name];
  }
  const ours = res.getHeader('set-cookie');
  const theirs = kept['set-cookie'];
  if (ours !== undefined && theirs !== undefined) {
    kept['set-cookie'] = [ours, theirs].flat().map(String);
  }
  return kept;
}

/** The upstream did not answer in time, before or during its answer. */
function isTimeout(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  );
}

/** Why an exchange was aborted from this side: not an upstream failure. */
class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('the client closed its connection before the answer was complete');
  }
}

interface Reporter {
  /** The upstream failed this exchange: counted and logged; `answered` once the answer began. */
  upstreamFailed(req: IncomingMessage, error: unknown, answered: boolean): void;
}

/** One request and its answer, as undici's dispatch handler. */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private answered = false;
  private clientGone = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly failed: (error: GatewayError) => void,
    private readonly reporter: Reporter,
  ) {
    res.once('close', () => {
      if (res.writableFinished) return;
      this.clientGone = true;
      this.controller?.abort(new ClientGoneError());
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new ClientGoneError());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx: interim, the final answer follows
    const { res } = this;
    try {
      res.writeHead(statusCode, statusMessage || undefined, responseHeaders(headers, res));
    } catch (error) {
      // A header Node refuses to write (a character no HTTP field may hold): a bad answer.
      controller.abort(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.answered = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    controller.pause();
    this.res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.clientGone || error instanceof ClientGoneError) return;
    this.reporter.upstreamFailed(this.req, error, this.answered);
    if (this.answered || this.res.headersSent) {
      this.res.destroy();
      return;
    }
    this.failed(isTimeout(error) ? errors.gatewayTimeout() : errors.badGateway());
  }
}

/**
 * The path sent upstream: the request target as it came (access was decided on exactly that), under
 * the path of upstream.url when it has one. A target in absolute form ('GET http://host/x') is
 * sent as its path and query.
 */
function targetPath(prefix: string, url: string): string {
  if (url.startsWith('/')) return prefix === '' ? url : `${prefix}${url}`;
  const parsed = new URL(url, 'http://target.invalid');
  return `${prefix}${parsed.pathname}${parsed.search}`;
}

export function upstreamForwarder(ctx: GatewayContext): UpstreamForwarder {
  const { config, metrics, ports } = ctx;
  const upstream = new URL(config.upstream.url);
  const prefix = upstream.pathname.replace(/\/+$/, '');
  const timeout = config.upstream.timeout;
  // Connections to the upstream are kept open and reused: opening one per request costs more
  // than everything else a proxied request does (see docs/benchmarks.md).
  // Idle connections are dropped after 4 s, before a typical upstream's 5 s keep-alive timeout,
  // so a request is never sent on a connection the upstream is closing (an upstream announcing a
  // shorter timeout in its Keep-Alive header is believed).
  const pool = new Pool(upstream.origin, {
    connections: 256,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connect: { timeout },
  });
  const reporter: Reporter = {
    upstreamFailed(req, error, answered) {
      metrics.upstreamFailure();
      const message = answered
        ? 'upstream response cut off'
        : isTimeout(error)
          ? 'upstream timed out'
          : 'upstream unreachable';
      ports.logger.warn(message, {
        path: pathOf(req.url) ?? req.url,
        error: error instanceof Error ? error.message : String(error),
      });
    },
  };

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    headers: string[],
    failed: (error: GatewayError) => void,
  ): void {
    const length = req.headers['content-length'];
    const hasBody =
      (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    pool.dispatch(
      {
        method: req.method ?? 'GET',
        path: targetPath(prefix, req.url ?? '/'),
        headers,
        body: hasBody ? req : null,
      },
      new Exchange(req, res, failed, reporter),
    );
  }

  return {
    forward,
    close: () => {
      pool.destroy().catch(() => undefined);
    },
  };
}
