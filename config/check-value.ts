/**
 * A value given in code (the library's config, users and policy objects) checked against the same
 * schema as its YAML file, with the same messages: every problem at once, each naming its key
 * path and the bad value. There is no file and no line; `label` stands where the file name would.
 */
import type { z } from 'zod';
import { explainIssues, issueMessage } from './messages.js';
import { formatPath, type ConfigProblem, type LoadResult } from './yaml-loader.js';

export function checkValue<S extends z.ZodType>(
  value: unknown,
  label: string,
  schema: S,
): LoadResult<z.output<S>> {
  const result = schema.safeParse(value ?? {}, { error: issueMessage, reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const problems: ConfigProblem[] = explainIssues(result.error.issues).map((issue) => ({
    file: label,
    path: formatPath(issue.path),
    message: issue.message,
  }));
  return { ok: false, problems };
}
