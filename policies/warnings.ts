/**
 * What `stepgate check` warns about in a valid policy: rules that do what they say but are
 * unlikely to be what the admin meant. A warning never stops the gateway.
 */
import type { PolicyDocument } from './schema.js';

export interface PolicyWarning {
  /** Key path such as `['rules', 0, 'when']`. */
  path: (string | number)[];
  message: string;
}

/**
 * SPEC §1.7: the entry point is read from the Host header, which any client can set, so a rule
 * that skips confirmation on the entry point alone lets anyone skip it by naming that host.
 */
function skipsOnEntryPointAlone(document: PolicyDocument): PolicyWarning[] {
  return document.rules.flatMap((rule, index) => {
    const tests = Object.entries(rule.when ?? {}).filter(([, value]) => value !== undefined);
    const onlyEntryPoint = tests.length === 1 && tests[0]?.[0] === 'entry_point';
    if (!onlyEntryPoint || rule.then !== 'skip') return [];
    return [
      {
        path: ['rules', index, 'when'],
        message:
          `rule '${rule.name}' skips confirmation on the entry point alone, which comes from the Host ` +
          'header any client can set; add a user_type (e.g. `user_type: portal`) or another test',
      },
    ];
  });
}

export function policyWarnings(document: PolicyDocument): PolicyWarning[] {
  return skipsOnEntryPointAlone(document);
}
