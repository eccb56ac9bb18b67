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
});
