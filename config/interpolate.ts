/**
 * `${VAR}` interpolation for the YAML files, done on the parsed document's scalar nodes rather than
 * on the raw text: a value cannot break the YAML around it, and every node keeps its line number.
 *
 * `${VAR}` is the variable's value, `${VAR:-default}` the default when the variable is unset or
 * empty, `$${` a literal `${`. Only string values are interpolated, never keys, and the result is
 * always a string: `port: ${PORT}` stays the text '8080' (a secret made of digits stays a string).
 */
import { isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document, Scalar } from 'yaml';

export interface InterpolationProblem {
  node: Scalar;
  path: PropertyKey[];
  message: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)(\}?)/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replaces the references in one string; `problems` is empty when every reference resolved. */
export function substitute(text: string, env: NodeJS.ProcessEnv): { value: string; problems: string[] } {
  const problems: string[] = [];
  const value = text.replace(REFERENCE, (match: string, body = '', closed = '') => {
    if (match === '$${') return '${';
    if (!closed) {
      problems.push(`'\${' has no closing '}' (write '$\${' for a literal '\${')`);
      return match;
    }
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    const fallback = separator === -1 ? undefined : body.slice(separator + 2);
    if (!VARIABLE_NAME.test(name) || fallback?.includes('${')) {
      problems.push(`'${match}' is not a variable reference like '\${NAME}' or '\${NAME:-default}'`);
      return match;
    }
    const set = env[name];
    if (fallback !== undefined) return set ? set : fallback;
    if (set === undefined) {
      problems.push(`environment variable ${name} is not set`);
      return match;
    }
    return set;
  });
  return { value, problems };
}

/** Interpolates every string value of the document in place and returns what could not be resolved. */
export function interpolateDocument(doc: Document, env: NodeJS.ProcessEnv): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const result = substitute(node.value, env);
      node.value = result.value;
      const path = pathTo([...ancestors, node]);
      for (const message of result.problems) problems.push({ node, path, message });
    },
  });
  return problems;
}

/** The key path of the last element of a chain of YAML nodes that starts at the document. */
export function pathTo(chain: readonly unknown[]): PropertyKey[] {
  const path: PropertyKey[] = [];
  chain.forEach((parent, index) => {
    const child = chain[index + 1];
    if (isPair(parent) && (child === undefined || child === parent.value)) path.push(keyText(parent.key));
    else if (isSeq(parent) && child !== undefined) path.push(parent.items.indexOf(child));
  });
  return path;
}

/** A mapping key as the parsed object spells it (`8080:` becomes the property '8080'). */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
