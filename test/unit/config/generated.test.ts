import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, generatedFiles, policyJsonSchema } from '../../../config/json-schema.js';

const root = new URL('../../../', import.meta.url);

describe('generated files', () => {
  it('are up to date with the schemas (run `npm run schemas` after changing one)', async () => {
    for (const file of await generatedFiles()) {
      const committed = await readFile(new URL(file.path, root), 'utf8').catch(() => '(missing)');
      expect(committed, file.path).toBe(file.content);
    }
  });

  it('list every file they write', async () => {
    expect((await generatedFiles()).map((file) => file.path)).toEqual([
      'config/stepgate.schema.json',
      'config/policy.schema.json',
      'docs/configuration.md',
    ]);
  });
});

describe('JSON Schema of stepgate.yaml', () => {
  const schema = configJsonSchema() as {
    additionalProperties?: unknown;
    required?: string[];
    properties: Record<string, { properties: Record<string, Record<string, unknown>> }>;
  };

  it('rejects unknown keys and requires what has no default', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['upstream', 'session']);
  });

  it('describes durations as text with a pattern and their default', () => {
    expect(schema.properties.session!.properties.idle_timeout).toEqual({
      description:
        'A session unused this long ends. It is renewed at most once a minute (a tenth of this when shorter), so it may end up to that much sooner.',
      default: '30m',
      type: 'string',
      pattern: '^(\\d+)(s|m|h|d)$',
    });
  });

  it('lists the choices of an enum', () => {
    expect(schema.properties.store!.properties.type).toMatchObject({
      enum: ['sqlite', 'postgres'],
      default: 'sqlite',
    });
  });
});

describe('JSON Schema of policy.yaml', () => {
  it('allows 0 where a duration may be 0', () => {
    const schema = policyJsonSchema() as {
      properties: Record<string, { properties: Record<string, Record<string, unknown>> }>;
    };
    expect(schema.properties.identity_confirmation!.properties.remember_networks_for).toMatchObject({
      default: 0,
      anyOf: [{ type: 'string', pattern: '^(\\d+)(s|m|h|d)$' }, { const: 0 }],
    });
  });
});
