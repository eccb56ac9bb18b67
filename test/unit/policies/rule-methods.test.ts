/** A rule's `methods:` (then: confirm with methods: [webauthn]) and the passkey method's settings. */
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../../policies/schema.js';
import { policyOf, problemsOf, signIn } from './helpers.js';

describe("a rule's methods", () => {
  it('reach the decision of the rule that names them, and only that one', () => {
    const policy = policyOf({
      rules: [
        { name: 'admins', when: { group: 'admins' }, then: 'confirm', methods: ['webauthn'] },
        { name: 'everyone else', then: 'confirm' },
      ],
    });
    expect(policy.evaluate(signIn({ groups: ['admins'] }))).toEqual({
      action: 'confirm',
      rule: 'admins',
      methods: ['webauthn'],
    });
    expect(policy.evaluate(signIn())).toStrictEqual({ action: 'confirm', rule: 'everyone else' });
  });

  it('go only with a challenge, name known methods, and not one the policy turns off', () => {
    expect(
      problemsOf({
        version: 1,
        methods: { sms: { enabled: false } },
        rules: [
          { name: 'a', then: 'skip', methods: ['webauthn'] },
          { name: 'b', then: 'confirm_always', methods: ['webauthn', 'sms'] },
          { name: 'c', then: 'confirm', methods: ['passkey'] },
          { name: 'd', then: 'confirm', methods: [] },
        ],
      }),
    ).toEqual([
      "rules.2.methods.0: must be one of sms, email, authenticator, webauthn, temporary_code but it is 'passkey'",
      'rules.3.methods: must list at least one method',
      "rules.0.methods: applies only to a rule whose then is confirm or confirm_always, but this one's is 'skip'",
      "rules.1.methods.1: names 'sms', which methods.sms.enabled turns off: nobody could pass this rule's challenge",
    ]);
  });

  it('leave passkeys on by default, asking keys to verify their owner where they can', () => {
    expect(policySchema.parse({ version: 1 }).methods.webauthn).toEqual({
      enabled: true,
      user_verification: 'preferred',
    });
  });
});
