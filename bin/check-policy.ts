/**
 * The policy's warnings for `stepgate check` (policies/warnings.ts), placed at their line in the
 * policy file the way problems are, so an admin finds the rule that needs a second look.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { formatPath, type ConfigProblem } from '../config/yaml-loader.js';
import type { PolicyDocument } from '../policies/schema.js';
import { policyWarnings } from '../policies/warnings.js';

export async function policyWarningsOf(
  path: string | undefined,
  document: PolicyDocument,
): Promise<ConfigProblem[]> {
  const warnings = policyWarnings(document);
  if (warnings.length === 0) return [];
  const file = path ?? '(built-in default policy)';
  const lineCounter = new LineCounter();
  const text = path === undefined ? '' : await readFile(path, 'utf8').catch(() => '');
  const doc = parseDocument(text, { lineCounter });
  return warnings.map((warning) => {
    const offset = (doc.getIn(warning.path, true) as Node | undefined)?.range?.[0];
    const position = offset === undefined ? undefined : lineCounter.linePos(offset);
    return {
      file,
      ...(position && { line: position.line, column: position.col }),
      path: formatPath(warning.path),
      message: `warning: ${warning.message}`,
    };
  });
}
