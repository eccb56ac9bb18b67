/**
 * Builds a real gateway for flow tests: the express app over memory adapters, a users file
 * given inline, an outbox the test can read, a clock the test moves, and a real upstream.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type ConfigInput } from '../../config/schema.js';
import { BoundedMemorySessionStore } from '../../adapters/memory/session-store.js';
import { MemoryStore } from '../../adapters/memory/store.js';
import { MemoryLimiter } from '../../adapters/memory/limiter.js';
import { MemoryReplayCache } from '../../adapters/memory/replay-cache.js';
import { Outbox, type OutboxEntry } from '../../adapters/outbox/outbox.js';
import { UsersFile, type UsersFileContent } from '../../adapters/users-file/users-file.js';
import { OpenIdRelyingParty } from '../../adapters/oidc/relying-party.js';
import { createGateway, type Gateway } from '../../gateway/app.js';
import type {
  Directory,
  Limiter,
  OidcRelyingParty,
  Ports,
  ReplayCache,
  SamlServiceProvider,
} from '../../gateway/ports.js';
import { compilePolicy } from '../../policies/compile.js';
import { defaultPolicy } from '../../policies/default.js';
import { policySchema } from '../../policies/schema.js';
import type { PolicyDocument } from '../../policies/schema.js';
import { silentLogger } from '../../bin/logger.js';
import { TestClock } from './clock.js';

/** "correct horse" at a low scrypt cost, so flow tests stay quick. */
export const TEST_PASSWORD = 'correct horse';
export const TEST_HASH =
  '$scrypt$ln=10,r=8,p=1$4h9vfSO77K1uujQX1VC3MA==$Sx9wRyZhYGOBPFQtp4tx/A0qr7P5VTfDkHU96qneOJY=';

export const TEST_USERS: UsersFileContent = {
  alice: {
    password_hash: TEST_HASH,
    email: 'alice@example.com',
    user_type: 'standard',
    permission_sets: [],
    groups: [],
    active: true,
  },
  pat: {
    password_hash: TEST_HASH,
    email: 'pat@example.com',
    user_type: 'portal',
    permission_sets: [],
    groups: [],
    active: true,
  },
  eve: {
    password_hash: TEST_HASH,
    email: 'eve@example.com',
    user_type: 'external',
    permission_sets: [],
    groups: [],
    active: true,
  },
  gone: {
    password_hash: TEST_HASH,
    email: 'gone@example.com',
    user_type: 'standard',
    permission_sets: [],
    groups: [],
    active: false,
  },
};

export interface TestGatewayOptions {
  upstreamUrl: string;
  config?: Partial<Omit<ConfigInput, 'upstream'>> & { upstream?: Partial<ConfigInput['upstream']> };
  /** policy.yaml content as an object; the default policy when absent. */
  policy?: unknown;
  users?: UsersFileContent;
  /**
   * Bind the loopback socket before building the gateway and use its URL as server.public_url,
   * for tests (a browser) that need the gateway to know the origin they reach it at.
   */
  publicUrlFromSocket?: boolean;
  /** A directory for delegated (LDAP) sign-in. */
  directory?: Directory;
  /** A SAML service provider for federated sign-in. */
  saml?: SamlServiceProvider;
  /** An OpenID Connect relying party; by default the real one when config.logins.oidc is set. */
  oidc?: OidcRelyingParty;
  /**
   * Adapters in place of the memory ones (e.g. Redis, so several gateways share them). Build
   * them with `clock` when they need the gateway's time.
   */
  sessions?: Ports['sessions'];
  limiter?: Limiter;
  replayCache?: ReplayCache;
  /** Extra /readyz probes (Ports.health). */
  health?: Ports['health'];
  /** The clock the gateway runs on; a new TestClock when absent. */
  clock?: TestClock;
  /** Senders in place of the outbox (e.g. Twilio through a stand-in, or one that fails). */
  sms?: Ports['sms'];
  email?: Ports['email'];
  /** The store in place of a new, empty one (e.g. one whose history is chained with a key). */
  store?: MemoryStore;
  /** Where the gateway logs; nowhere when absent. */
  logger?: Ports['logger'];
  /** Places of addresses for new-network notices (a GeoIP reader). */
  places?: Ports['places'];
}

export interface TestGateway {
  gateway: Gateway;
  /** The gateway's request listener, for supertest. */
  app: Gateway['handler'];
  ports: Ports;
  store: MemoryStore;
  clock: TestClock;
  outbox(): OutboxEntry[];
  /** Listening on loopback, for tests that need a real socket (WebSocket upgrades). */
  listen(): Promise<{ url: string; server: Server }>;
  close(): Promise<void>;
}

export function testPolicy(document: unknown): PolicyDocument {
  return policySchema.parse(document);
}

async function bindLoopback(): Promise<{ url: string; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export async function startGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'stepgate-test-'));
  const outboxPath = join(dir, 'outbox.jsonl');
  const bound = options.publicUrlFromSocket ? await bindLoopback() : undefined;
  const config = configSchema.parse({
    ...options.config,
    ...(bound && { server: { ...options.config?.server, public_url: bound.url } }),
    upstream: { url: options.upstreamUrl, ...options.config?.upstream },
    session: { secret: 'test-session-secret-that-is-long-enough', ...options.config?.session },
    notifications: { outbox_path: outboxPath },
  });
  const clock = options.clock ?? new TestClock();
  const store = options.store ?? new MemoryStore();
  const outbox = new Outbox(outboxPath, clock);
  const ports: Ports = {
    store,
    limiter: options.limiter ?? new MemoryLimiter(),
    replayCache: options.replayCache ?? new MemoryReplayCache(clock),
    directory: options.directory,
    saml: options.saml,
    oidc:
      options.oidc ??
      (config.logins.oidc ? new OpenIdRelyingParty(config.logins.oidc, config.server) : undefined),
    logger: options.logger ?? silentLogger,
    directUsers: UsersFile.fromContent(options.users ?? TEST_USERS),
    sms: options.sms ?? outbox,
    email: options.email ?? outbox,
    clock,
    sessions:
      options.sessions ??
      new BoundedMemorySessionStore({ max: 1000, defaultTtlMs: config.session.idle_timeout }),
    health: options.health,
    places: options.places,
  };
  const compiled = compilePolicy(options.policy === undefined ? defaultPolicy() : testPolicy(options.policy));
  const gateway = await createGateway({ config, policy: { current: () => compiled }, ports });
  const servers: Server[] = bound ? [bound.server] : [];
  let unattached = bound;
  return {
    gateway,
    app: gateway.handler,
    ports,
    store,
    clock,
    outbox: () =>
      existsSync(outboxPath)
        ? readFileSync(outboxPath, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as OutboxEntry)
        : [],
    listen: async () => {
      if (unattached) {
        const { url, server } = unattached;
        unattached = undefined;
        server.on('request', gateway.handler);
        gateway.attach(server);
        return { url, server };
      }
      const server = createServer(gateway.handler);
      gateway.attach(server);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
    },
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      gateway.close();
      await store.close();
    },
  };
}
