/**
 * What every flow needs: the resolved config, the live policy, the ports, and the facts about
 * the client that the front middleware worked out once per request.
 */
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Config } from '../config/schema.js';
import type { CompiledPolicy } from '../policies/compile.js';
import type { Ports } from './ports.js';
import type { SignedInUser } from './sessions.js';
import type { GatewayMetrics } from './metrics.js';
import type { AccountNotices } from './notices/index.js';

/** The policy in force; it can change under a running gateway (reload on change or SIGHUP). */
export interface PolicySource {
  current(): CompiledPolicy;
}

export interface GatewayContext {
  config: Config;
  policy: PolicySource;
  ports: Ports;
  /** What GET /metrics reports; flows count into it. */
  metrics: GatewayMetrics;
  /** Emails that tell people of sign-ins from new networks and of changes to their methods. */
  notices: AccountNotices;
  basePath: string;
  csrfToken(req: Request): string;
  recordSignIn(auth: SignedInUser): Promise<void>;
}

export interface ClientFacts {
  ip: string;
  entryPoint: string;
}

// A property of the request rather than a WeakMap entry: one per request, and the garbage
// collector handles plain properties more cheaply than weak entries.
const CLIENT = Symbol('stepgate.client');
type WithClient = IncomingMessage & { [CLIENT]?: ClientFacts };

export function setClient(req: IncomingMessage, client: ClientFacts): void {
  (req as WithClient)[CLIENT] = client;
}

export function clientOf(req: IncomingMessage): ClientFacts {
  const client = (req as WithClient)[CLIENT];
  if (!client) throw new Error('client facts are set by the front middleware before any flow runs');
  return client;
}
