/**
 * The generated files: JSON Schemas of stepgate.yaml and policy.yaml for editors, and the
 * stepgate.yaml reference in docs/. All come from the zod schemas, so they cannot drift from what
 * the loader accepts; `npm run schemas` writes them and a test checks they are up to date.
 */
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { policySchema } from '../policies/schema.js';
import { duration } from './duration.js';
import { configSchema } from './schema.js';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface GeneratedFile {
  /** Relative to the repository root. */
  path: string;
  content: string;
}

const DURATION_PATTERN = duration().meta()?.pattern as string;
const NOT_JSON_SCHEMA_FORMATS = new Set(['starts_with', 'ends_with', 'includes', 'regex']);

/**
 * Editors see what a person may write (`io: 'input'`): durations as text with a pattern, keys
 * that have defaults as optional. A few things zod emits are cleaned up for them.
 */
export function toJsonSchema(schema: z.ZodType, title: string): JsonSchema {
  const generated = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (jsonSchema.pattern === DURATION_PATTERN && jsonSchema.anyOf) {
        // The number branch only exists to produce a message for `timeout: 30`.
        delete jsonSchema.anyOf;
        if (z.safeParse(zodSchema, 0).success) {
          delete jsonSchema.type;
          delete jsonSchema.pattern;
          jsonSchema.anyOf = [{ type: 'string', pattern: DURATION_PATTERN }, { const: 0 }];
        }
      }
      if (jsonSchema.format && NOT_JSON_SCHEMA_FORMATS.has(jsonSchema.format)) delete jsonSchema.format;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  const { $schema, ...rest } = generated;
  return { $schema, title, ...rest };
}

export function configJsonSchema(): JsonSchema {
  return toJsonSchema(configSchema, 'stepgate.yaml');
}

export function policyJsonSchema(): JsonSchema {
  return toJsonSchema(policySchema, 'policy.yaml');
}

interface ReferenceEntry {
  key: string;
  schema: JsonSchema;
  required: boolean;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' or ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.pattern === DURATION_PATTERN) return 'duration';
  if (schema.anyOf) return schema.anyOf.map((option) => typeOf(option as JsonSchema)).join(' or ');
  if (schema.type === 'array') return `list of ${typeOf((schema.items ?? {}) as JsonSchema)}`;
  if (schema.type === 'object') return 'mapping';
  if (schema.format === 'uri') return 'URL';
  return typeof schema.type === 'string' ? schema.type : 'any';
}

/** A mapping's default is spelled out by its keys' own defaults, so only scalars and lists show one. */
function defaultOf({ schema, required }: ReferenceEntry): string {
  if (schema.default !== undefined && (typeof schema.default !== 'object' || Array.isArray(schema.default))) {
    return `default \`${typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default)}\``;
  }
  return required && schema.default === undefined ? 'required' : 'optional';
}

function objectsBelow(schema: JsonSchema): { schema: JsonSchema; suffix: string }[] {
  if (schema.type === 'array' && schema.items) return [{ schema: schema.items as JsonSchema, suffix: '[]' }];
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return [{ schema: schema.additionalProperties, suffix: '.<name>' }];
  }
  return (schema.anyOf ?? []).flatMap((option) => objectsBelow(option as JsonSchema));
}

/** Every key below `schema`, depth first, in the order the schema declares them. */
function entriesBelow(schema: JsonSchema, prefix: string): ReferenceEntry[] {
  const required = new Set(schema.required ?? []);
  const entries: ReferenceEntry[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (typeof property !== 'object') continue;
    const key = prefix ? `${prefix}.${name}` : name;
    entries.push({ key, schema: property, required: required.has(name) });
    entries.push(...entriesBelow(property, key));
    for (const below of objectsBelow(property))
      entries.push(...entriesBelow(below.schema, `${key}${below.suffix}`));
  }
  return entries;
}

function describeEntry(entry: ReferenceEntry): string {
  const description = entry.schema.description ? ` ${entry.schema.description}` : '';
  return `- \`${entry.key}\` (${typeOf(entry.schema)}, ${defaultOf(entry)}).${description}`;
}

/** docs/configuration.md: every key of stepgate.yaml with its type, default and description. */
export async function configurationReference(): Promise<string> {
  const schema = configJsonSchema();
  const lines = [
    '<!-- Generated from config/schema.ts by `npm run schemas`. Do not edit: change the schema and regenerate. -->',
    '',
    '# stepgate.yaml reference',
    '',
    'stepgate reads its configuration from the file named by `--config`, else `$STEPGATE_CONFIG`, else',
    '`./stepgate.yaml`. Every key is checked when stepgate starts and by `stepgate check`, which prints',
    'every problem at once with its line; unknown keys are errors.',
    '',
    '- Durations are written like `90s`, `30m`, `12h` or `7d`.',
    '- Any value may read an environment variable: `${VAR}`, or `${VAR:-default}` for a default when it is',
    '  unset or empty; `$${` is a literal `${`. The result is always a string.',
    '- Relative paths are relative to the directory stepgate is started from, not to this file.',
    '- Editors can complete the file with `config/stepgate.schema.json`; a full example is',
    '  `config/stepgate.example.yaml`.',
  ];
  const required = new Set(schema.required ?? []);
  for (const [section, property] of Object.entries(schema.properties ?? {})) {
    if (typeof property !== 'object') continue;
    const entry = { key: section, schema: property, required: required.has(section) };
    lines.push('', `## ${section}`, '', describeEntry(entry));
    lines.push(...entriesBelow(property, section).map(describeEntry));
  }
  // Formatted as `prettier --check .` expects, so the generated file passes lint as it is.
  const options =
    (await resolveConfig(fileURLToPath(new URL('../docs/configuration.md', import.meta.url)))) ?? {};
  return format(`${lines.join('\n')}\n`, { ...options, parser: 'markdown' });
}

const json = (schema: JsonSchema) => `${JSON.stringify(schema, null, 2)}\n`;

export async function generatedFiles(): Promise<GeneratedFile[]> {
  return [
    { path: 'config/stepgate.schema.json', content: json(configJsonSchema()) },
    { path: 'config/policy.schema.json', content: json(policyJsonSchema()) },
    { path: 'docs/configuration.md', content: await configurationReference() },
  ];
}
