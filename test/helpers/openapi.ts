/**
 * Holds an OpenAPI 3.1 document to the real API: the document itself is checked against the
 * official OpenAPI 3.1 schema (@seriousme/openapi-schema-validator), and each response a test
 * receives is looked up by path, method and status and its body validated with Ajv (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1). A status the document does not list is a failure too.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import type { Response } from 'supertest';
import { parse } from 'yaml';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  operationId?: string;
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, ResponseObject>;
}
type PathItem = Partial<Record<Method, Operation>>;
interface Document {
  openapi: string;
  paths: Record<string, PathItem>;
  components?: Record<string, Record<string, unknown>>;
}

/** Where an answer was documented: the operation and the response key it matched. */
export interface Documented {
  operationId: string;
  status: string;
}

const DOCUMENT_ID = 'https://stepgate.invalid/openapi';

/** `~` and `/` escaped for a JSON Pointer segment (RFC 6901). */
const pointer = (...segments: string[]) =>
  segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly templates: { path: string; pattern: RegExp }[];
  /** `operationId status` of every answer checked so far. */
  readonly seen = new Set<string>();

  private constructor(
    readonly document: Document,
    private readonly basePath: string,
  ) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    // OpenAPI's own keywords around the schemas; Ajv compiles only the schemas it is pointed at.
    this.ajv.addVocabulary(['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components']);
    this.ajv.addFormat(
      'date-time',
      (s: string) =>
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
    );
    this.ajv.addFormat('ipv4', (s: string) => isIPv4(s));
    this.ajv.addFormat('ipv6', (s: string) => isIPv6(s));
    this.ajv.addFormat('email', (s: string) => /^[^\s@]+@[^\s@]+$/.test(s));
    this.ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    // Literal segments before templated ones, so a fixed path wins over a parameter.
    this.templates = Object.keys(document.paths)
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))
      .map((path) => ({
        path,
        pattern: new RegExp(
          `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
        ),
      }));
  }

  /** Reads and parses `file`, and refuses a document that is not valid OpenAPI 3.1. */
  static async load(file: URL, basePath: string): Promise<OpenApiContract> {
    const document = parse(readFileSync(file, 'utf8')) as Document;
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    if (!result.valid) {
      const detail =
        typeof result.errors === 'string' ? result.errors : JSON.stringify(result.errors, null, 2);
      throw new Error(`${file.pathname} is not valid OpenAPI: ${detail}`);
    }
    if (!/^3\.1\.\d+$/.test(document.openapi)) throw new Error(`${file.pathname} is not OpenAPI 3.1`);
    return new OpenApiContract(document, basePath);
  }

  /** Every `operationId` of the document with its method and path. */
  operations(): { operationId: string; method: Method; path: string }[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operationId = item[method]?.operationId;
        return operationId === undefined ? [] : [{ operationId, method, path }];
      }),
    );
  }

  private operation(method: string, url: string): { path: string; method: Method; operation: Operation } {
    const pathname = new URL(url, 'http://localhost').pathname;
    if (!pathname.startsWith(this.basePath)) throw new Error(`${pathname} is outside ${this.basePath}`);
    const local = pathname.slice(this.basePath.length);
    const found = this.templates.find((t) => t.pattern.test(local));
    const lower = method.toLowerCase() as Method;
    const operation = found ? this.document.paths[found.path]?.[lower] : undefined;
    if (!found || !operation) throw new Error(`${method} ${local} is not documented`);
    return { path: found.path, method: lower, operation };
  }

  private validate(schemaPointer: string, body: unknown, what: string): void {
    const validate = this.ajv.getSchema(`${DOCUMENT_ID}#/${schemaPointer}`);
    if (!validate) throw new Error(`${what}: no schema at ${schemaPointer}`);
    if (!validate(body)) {
      throw new Error(
        `${what} does not match the document:\n${describeErrors(validate.errors)}\n${JSON.stringify(body)}`,
      );
    }
  }

  /** Checks a JSON request body against the operation's request schema. */
  checkRequest(method: string, url: string, body: unknown): void {
    const { path, method: m, operation } = this.operation(method, url);
    if (!operation.requestBody?.content?.['application/json']?.schema) {
      throw new Error(`${method} ${path} documents no JSON request body`);
    }
    this.validate(
      pointer('paths', path, m, 'requestBody', 'content', 'application/json', 'schema'),
      body,
      `request to ${method} ${path}`,
    );
  }

  /** Checks an answer: its status must be documented for the operation, and its JSON body match. */
  check(res: Response): Documented {
    const { method, url } = res.request;
    if (!res.type.startsWith('application/json')) {
      throw new Error(`${method} ${url} ${res.status} answered ${res.type}, not JSON: ${res.text}`);
    }
    return this.checkAnswer(method, url, res.status, res.body);
  }

  /** Checks a JSON answer given as its parts, e.g. one written in a document. */
  checkAnswer(method: string, url: string, status: number, body: unknown): Documented {
    const { path, method: m, operation } = this.operation(method, url);
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in responses);
    const what = `${method} ${path} ${status}`;
    if (key === undefined) throw new Error(`${what} is not documented: ${JSON.stringify(body)}`);
    let responsePointer = pointer('paths', path, m, 'responses', key);
    const ref = responses[key]?.$ref;
    if (ref !== undefined) responsePointer = ref.replace(/^#\//, '');
    this.validate(`${responsePointer}/${pointer('content', 'application/json', 'schema')}`, body, what);
    const documented = { operationId: operation.operationId ?? `${m} ${path}`, status: key };
    this.seen.add(`${documented.operationId} ${key}`);
    return documented;
  }
}
