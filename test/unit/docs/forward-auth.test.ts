/**
 * docs/forward-auth.md shows the nginx and Caddy files the integration tests run, byte for byte,
 * and its Traefik and Envoy configurations are YAML that asks the right endpoints and passes the
 * identity headers stepgate answers with.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addIdentity } from '../../../gateway/flows/proxy/headers.js';
import type { SignedInUser } from '../../../gateway/sessions.js';

const DOC = readFileSync(new URL('../../../docs/forward-auth.md', import.meta.url), 'utf8');

function file(name: string): string {
  return readFileSync(new URL(`../../../docs/forward-auth/${name}`, import.meta.url), 'utf8');
}

/** The fenced blocks of one language, in order. */
function blocks(language: string): string[] {
  return [...DOC.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map(
    (m) => m[1] ?? '',
  );
}

/** The names stepgate answers with, as the proxies copy them. */
const IDENTITY = (() => {
  const headers: IncomingHttpHeaders = {};
  addIdentity(headers, { user: 'u', email: 'e', login: 'direct', confirmation: 'email' } as SignedInUser);
  return Object.keys(headers);
})();

/** The client-address headers of CDNs that stepgate's own proxy removes (proxy/headers.ts). */
const CDN_ADDRESS = [
  'x-client-ip',
  'true-client-ip',
  'client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
];

/** Every spelling of a name with '-' and '_' as separators, as Go-based proxies keep them apart. */
function spellings(name: string): string[] {
  return name
    .split('-')
    .reduce<string[]>(
      (heads, part, i) =>
        i === 0 ? [part] : heads.flatMap((head) => [`${head}-${part}`, `${head}_${part}`]),
      [],
    );
}

interface EnvoyFilter {
  name: string;
  typed_config: Record<string, unknown>;
}

describe('docs/forward-auth.md', () => {
  it('shows docs/forward-auth/nginx.conf and docs/forward-auth/Caddyfile whole', () => {
    expect(blocks('nginx')).toEqual([file('nginx.conf')]);
    expect(blocks('caddy')).toEqual([file('Caddyfile')]);
  });

  it('has nginx ask /authz/auth-request and pass on each identity header it answers with', () => {
    const nginx = file('nginx.conf');
    expect(nginx).toContain('proxy_pass http://stepgate/_stepgate/authz/auth-request;');
    for (const name of IDENTITY) {
      const variable = `$upstream_http_${name.replaceAll('-', '_')}`;
      expect(nginx).toContain(variable);
      expect(nginx.toLowerCase()).toMatch(new RegExp(`proxy_set_header ${name} \\$stepgate_`));
    }
  });

  it('has Caddy ask /authz/forward-auth and copy each identity header', () => {
    const caddy = file('Caddyfile');
    expect(caddy).toContain('uri /_stepgate/authz/forward-auth');
    const copied = /copy_headers (.*)/.exec(caddy)?.[1]?.toLowerCase().split(' ');
    expect(copied).toEqual(IDENTITY);
  });

  it('gives Traefik and Envoy configurations that parse, ask the right endpoint and pass the identity', () => {
    const [traefik, envoy, ...rest] = blocks('yaml')
      .slice(1)
      .map((text) => parse(text) as unknown);
    expect(rest).toEqual([]);
    expect(traefik).toMatchObject({
      http: {
        middlewares: {
          stepgate: {
            forwardAuth: {
              address: expect.stringMatching(/\/_stepgate\/authz\/forward-auth$/),
              trustForwardHeader: false,
              authResponseHeaders: IDENTITY.map((name) =>
                expect.stringMatching(new RegExp(`^${name}$`, 'i')),
              ),
            },
          },
        },
      },
    });
    const filters = (envoy as { http_filters: { name: string; typed_config: unknown }[] }).http_filters;
    expect(filters.find((f) => f.name === 'envoy.filters.http.ext_authz')?.typed_config).toMatchObject({
      http_service: {
        path_prefix: '/_stepgate/authz/ext-authz',
        authorization_request: {
          allowed_headers: { patterns: expect.arrayContaining([{ exact: 'cookie' }]) },
        },
        authorization_response: {
          allowed_upstream_headers: { patterns: IDENTITY.map((exact) => ({ exact })) },
        },
      },
    });
  });

  it('has Traefik remove what a client wrote about itself, and keep Cookie from the application', () => {
    const traefik = parse(blocks('yaml')[1] ?? '') as {
      http: {
        routers: { app: { middlewares: string[] } };
        middlewares: Record<string, { headers?: { customRequestHeaders?: Record<string, string> } }>;
      };
    };
    const { middlewares } = traefik.http;
    expect(traefik.http.routers.app.middlewares).toEqual([
      'strip-client-headers',
      'stepgate',
      'drop-cookies',
    ]);
    expect(middlewares['drop-cookies']?.headers?.customRequestHeaders).toEqual({ Cookie: '' });
    // Traefik (Go) folds letter case but keeps '-' and '_' spellings apart.
    const removed = Object.entries(middlewares['strip-client-headers']?.headers?.customRequestHeaders ?? {})
      .filter(([, value]) => value === '')
      .map(([name]) => name.toLowerCase());
    for (const name of IDENTITY.flatMap(spellings)) expect(removed).toContain(name);
    for (const name of [...CDN_ADDRESS, 'x-real-ip', 'forwarded', 'x-original-url', 'x-rewrite-url']) {
      expect(removed).toContain(name);
      expect(removed).toContain(name.replaceAll('-', '_'));
    }
    for (const name of ['x-forwarded-prefix', 'x-forwarded-ssl', 'x-forwarded-scheme', 'x_forwarded_for']) {
      expect(removed).toContain(name);
    }
  });

  it("has Envoy remove what a client wrote about itself, and take stepgate's cookies out after ext_authz", () => {
    const envoy = parse(blocks('yaml')[2] ?? '') as {
      http_filters: EnvoyFilter[];
      route_config: {
        virtual_hosts: { routes: { match: { prefix: string }; request_headers_to_add?: unknown }[] }[];
      };
    };
    const names = envoy.http_filters.map((filter) => filter.name);
    expect(names).toEqual([
      'envoy.filters.http.header_mutation',
      'envoy.filters.http.ext_authz',
      'envoy.filters.http.lua',
      'envoy.filters.http.router',
    ]);
    const mutation = envoy.http_filters[0]?.typed_config as {
      mutations: { request_mutations: { remove: string }[] };
    };
    const removed = mutation.mutations.request_mutations.map((m) => m.remove);
    for (const name of [...IDENTITY, ...CDN_ADDRESS, 'x-forwarded-host', 'forwarded', 'x-original-url']) {
      expect(removed).toContain(name);
    }
    const lua = envoy.http_filters[2]?.typed_config as { default_source_code: { inline_string: string } };
    const code = lua.default_source_code.inline_string;
    expect(code).toContain('local SESSION = "stepgate_session"');
    // The pre-session cookies go too (gateway/http/cookie-names.ts), '_oidc_' with a state after it
    // as earlier versions named the OpenID Connect cookie.
    expect(code).toContain('rest == "" or rest == "_csrf" or rest == "_saml" or rest == "_oidc"');
    expect(code).toContain('(#rest > 6 and rest:sub(1, 6) == "_oidc_")');
    expect(code).toContain('function envoy_on_request(handle)');
    expect(code).toContain('headers:remove("cookie")');
    const app = envoy.route_config.virtual_hosts[0]?.routes.find((route) => route.match.prefix === '/');
    expect(app?.request_headers_to_add).toEqual(
      ['x-forwarded-for', 'x-real-ip'].map((key) => ({
        header: { key, value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' },
        append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
      })),
    );
  });
});
