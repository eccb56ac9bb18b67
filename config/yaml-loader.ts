/**
 * Loads a YAML file (stepgate.yaml, policy.yaml, users.yaml) against a zod schema and reports every
 * problem at once, each with its file, line, column and key path, so one `stepgate check` run
 * shows everything that needs fixing.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLError } from 'yaml';
import type { z } from 'zod';
import { interpolateDocument, keyText, pathTo } from './interpolate.js';
import { explainIssues, issueMessage } from './messages.js';
import type { Anchor } from './messages.js';

export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Key path such as `session.idle_timeout` or `rules[2].when`; empty for the file as a whole. */
  path: string;
  message: string;
}

export type LoadResult<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

export interface LoadOptions {
  /** Where `${VAR}` references are looked up; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Key paths (`session.secret`) the caller does not use: a `${VAR}` there that cannot be resolved
   * removes the key instead of being a problem. The schema must then let the key be absent.
   */
  unused?: readonly string[];
  /**
   * Checks of the parsed, interpolated document that run whatever the schema finds (the files a
   * config names: config/named-files.ts); each problem is reported at its key path's line.
   */
  checkDocument?: (data: unknown) => { path: PropertyKey[]; message: string }[];
}

/** `stepgate.yaml:12:3: session.idle_timeout: must be a duration like '30m' ...` */
export function formatProblem(problem: ConfigProblem): string {
  const where =
    problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

/** `['rules', 2, 'when']` reads as `rules[2].when`; a key with a dot or bracket is quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[^.[\]"]+$/.test(String(segment))) text += `${text ? '.' : ''}${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

export async function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  options: LoadOptions = {},
): Promise<LoadResult<z.output<S>>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ file, path: '', message: unreadable(error) }] };
  }
  return parseYamlText(text, file, schema, options);
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
}

export function parseYamlText<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: LoadOptions = {},
): LoadResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const position = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const problems: ConfigProblem[] = doc.errors.map((error) => syntaxProblem(doc, error, file, lineCounter));
  // A duplicate key leaves a well-formed document; anything else may have lost its structure.
  if (doc.errors.some((error) => error.code !== 'DUPLICATE_KEY')) return failed(problems);

  const unresolved = new Set<Node>();
  for (const problem of interpolateDocument(doc, options.env ?? process.env)) {
    if (options.unused?.includes(formatPath(problem.path))) {
      doc.deleteIn(problem.path);
      continue;
    }
    unresolved.add(problem.node);
    problems.push({
      file,
      ...position(problem.node),
      path: formatPath(problem.path),
      message: problem.message,
    });
  }

  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (error) {
    // Alias bombs end here (yaml limits how often an alias may be expanded).
    problems.push({ file, path: '', message: `cannot be read: ${(error as Error).message}` });
    return failed(problems);
  }

  for (const problem of options.checkDocument?.(data) ?? []) {
    const node = locate(doc, problem.path, 'value');
    problems.push({ file, ...position(node), path: formatPath(problem.path), message: problem.message });
  }

  const result = schema.safeParse(data, { error: issueMessage, reportInput: true });
  if (result.success) return problems.length === 0 ? { ok: true, value: result.data } : failed(problems);
  for (const issue of explainIssues(result.error.issues)) {
    const node = locate(doc, issue.path, issue.anchor);
    // The variable's message already covers this value; a second one about '${VAR}' would be noise.
    if (node && unresolved.has(node)) continue;
    problems.push({ file, ...position(node), path: formatPath(issue.path), message: issue.message });
  }
  return failed(problems);
}

/** In file order; two checks that fail with the same words on one value are reported once. */
function failed<T>(problems: ConfigProblem[]): LoadResult<T> {
  const order = (problem: ConfigProblem) => (problem.line ?? 0) * 100_000 + (problem.column ?? 0);
  const unique = new Map(problems.map((problem) => [formatProblem(problem), problem]));
  return { ok: false, problems: [...unique.values()].sort((a, b) => order(a) - order(b)) };
}

interface Step {
  key?: Node;
  value?: Node;
}

/** One step down the document: the pair's key and value in a mapping, the item in a list. */
function descend(doc: Document, node: unknown, segment: PropertyKey): Step | undefined {
  const parent = isAlias(node) ? node.resolve(doc) : node;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => keyText(item.key) === String(segment));
    if (!pair) return undefined;
    return { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
  }
  if (isSeq(parent) && typeof segment === 'number') {
    const item = parent.items[segment];
    return item ? { value: item as Node } : undefined;
  }
  return undefined;
}

/**
 * The node to point at for a key path. A missing key is shown at its parent's key, where it has to
 * be added; a path that leaves the document (a default was filled in) at the deepest node it has.
 */
function locate(doc: Document, path: readonly PropertyKey[], anchor: Anchor): Node | undefined {
  const target = anchor === 'parent' ? path.slice(0, -1) : path;
  const steps: Step[] = [];
  let current: unknown = doc.contents;
  for (const segment of target) {
    const step = descend(doc, current, segment);
    if (!step) break;
    steps.push(step);
    current = step.value;
  }
  const last = steps.at(-1);
  if (target.length === 0) {
    return anchor === 'parent' ? undefined : ((doc.contents ?? undefined) as Node | undefined);
  }
  if (!last) return undefined;
  if (steps.length < target.length || anchor !== 'value') return last.key ?? last.value;
  return last.value ?? last.key;
}

function syntaxProblem(
  doc: Document,
  error: YAMLError,
  file: string,
  lineCounter: LineCounter,
): ConfigProblem {
  const offset = error.pos[0];
  const { line, col } = lineCounter.linePos(offset);
  if (error.code === 'DUPLICATE_KEY') {
    const duplicate = findPairAt(doc, offset);
    if (duplicate) {
      const first = duplicate.siblings.find((pair) => keyText(pair.key) === keyText(duplicate.pair.key));
      const firstLine = lineCounter.linePos((first?.key as Node | undefined)?.range?.[0] ?? offset).line;
      return {
        file,
        line,
        column: col,
        path: formatPath(duplicate.path),
        message: `duplicate key (first on line ${firstLine})`,
      };
    }
  }
  return { file, line, column: col, path: '', message: `invalid YAML: ${error.message}` };
}

function findPairAt(doc: Document, offset: number) {
  let found: { pair: Pair; siblings: Pair[]; path: PropertyKey[] } | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      const parent = ancestors.at(-1);
      if ((pair.key as Node | null)?.range?.[0] !== offset || !isMap(parent)) return undefined;
      found = { pair, siblings: parent.items, path: pathTo([...ancestors, pair]) };
      return visit.BREAK;
    },
  });
  return found;
}
