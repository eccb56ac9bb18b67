/**
 * docs/admin-api.yaml is held to the router: every route of the admin API is documented under its
 * operationId, nothing undocumented is served, and every reference in the document resolves.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ADMIN_API_BASE, ADMIN_API_ROUTES } from '../../../../gateway/flows/admin/api.js';

interface Operation {
  operationId?: string;
  parameters?: { $ref?: string; name?: string; in?: string }[];
  responses?: Record<string, unknown>;
}
type PathItem = Record<string, Operation> & { parameters?: Operation['parameters'] };
interface OpenApi {
  openapi: string;
  paths: Record<string, PathItem>;
  components: Record<string, Record<string, unknown>>;
  security: Record<string, unknown>[];
}

const doc = parse(
  readFileSync(new URL('../../../../docs/admin-api.yaml', import.meta.url), 'utf8'),
) as OpenApi;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `/users/:user/activations/:network` is `/admin/v1/users/{user}/activations/{network}`. */
function openApiPath(path: string): string {
  return `${ADMIN_API_BASE}${path}`.replace(/:(\w+)/g, '{$1}');
}

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsIn(value),
  );
}

describe('docs/admin-api.yaml', () => {
  it('is OpenAPI 3.1 with the bearer and session security schemes', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.components.securitySchemes).toMatchObject({
      bearerToken: { type: 'http', scheme: 'bearer' },
      helpDeskSession: { type: 'apiKey', in: 'cookie' },
    });
    expect(doc.security).toEqual([{ bearerToken: [] }, { helpDeskSession: [] }]);
  });

  it.each(
    ADMIN_API_ROUTES.map((route) => [route.method.toUpperCase(), route.path, route.operation] as const),
  )('documents %s %s', (method, path, operation) => {
    const item = doc.paths[openApiPath(path)];
    expect(item, `${openApiPath(path)} is missing`).toBeDefined();
    const documented = item?.[method.toLowerCase()];
    expect(documented?.operationId).toBe(operation);
    expect(Object.keys(documented?.responses ?? {}).some((status) => status.startsWith('2'))).toBe(true);
    expect(documented?.responses).toHaveProperty('401');
    // Every path parameter is declared on the path or the operation.
    const declared = [...(item?.parameters ?? []), ...(documented?.parameters ?? [])].map(
      (p) => (p.$ref ? resolve(p.$ref) : p) as { name: string; in: string },
    );
    for (const name of [...path.matchAll(/:(\w+)/g)].map((m) => m[1])) {
      expect(declared).toContainEqual(expect.objectContaining({ name, in: 'path' }));
    }
  });

  it('documents nothing the router does not serve', () => {
    const served = new Set(ADMIN_API_ROUTES.map((route) => `${route.method} ${openApiPath(route.path)}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual([...served].sort());
  });

  it('has no reference that leads nowhere', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
  });
});
