import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../policies/default.js';
import { policySchema } from '../../../policies/schema.js';
import { policyWarnings } from '../../../policies/warnings.js';

const rules = (...list: unknown[]) => policySchema.parse({ version: 1, rules: list });

describe('policyWarnings (SPEC §1.7)', () => {
  it('warns about a skip on the entry point alone, naming the rule', () => {
    const warnings = policyWarnings(
      rules({ name: 'portal', when: { entry_point: ['portal', 'partners'] }, then: 'skip' }),
    );
    expect(warnings).toEqual([
      { path: ['rules', 0, 'when'], message: expect.stringContaining("rule 'portal'") },
    ]);
  });

  it('is quiet when the rule tests something else too, or does not skip', () => {
    expect(
      policyWarnings(
        rules(
          { name: 'a', when: { entry_point: 'portal', user_type: 'portal' }, then: 'skip' },
          { name: 'b', when: { entry_point: 'portal', network: '10.0.0.0/8' }, then: 'skip' },
          { name: 'c', when: { entry_point: 'portal' }, then: 'confirm_always' },
          { name: 'd', when: { entry_point: 'portal' }, then: 'deny' },
        ),
      ),
    ).toEqual([]);
  });

  it('finds nothing in the built-in default policy', () => {
    expect(policyWarnings(defaultPolicy())).toEqual([]);
  });
});
