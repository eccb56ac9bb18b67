import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../policies/compile.js';
import { DEFAULT_POLICY_YAML, defaultPolicy } from '../../../policies/default.js';
import { policySchema } from '../../../policies/schema.js';
import { signIn } from './helpers.js';

const policy = compilePolicy(defaultPolicy());

describe('default policy (SPEC section 1)', () => {
  it('1.6: users signing in directly or by delegated authentication are prompted', () => {
    expect(policy.evaluate(signIn({ login: 'direct' })).action).toBe('confirm');
    expect(policy.evaluate(signIn({ login: 'delegated' })).action).toBe('confirm');
  });

  it('1.6: users signing in through SAML are never prompted', () => {
    expect(policy.evaluate(signIn({ login: 'saml' }))).toEqual({ action: 'skip', rule: 'SAML federation' });
    expect(policy.evaluate(signIn({ login: 'saml', userType: 'external' })).action).toBe('skip');
  });

  it('1.6: users signing in through OpenID Connect are never prompted, like SAML users', () => {
    expect(policy.evaluate(signIn({ login: 'oidc' }))).toEqual({
      action: 'skip',
      rule: 'OpenID Connect federation',
    });
    expect(policy.evaluate(signIn({ login: 'oidc', userType: 'external' })).action).toBe('skip');
  });

  it('1.7: portal users at the portal entry point are not prompted', () => {
    const portal = signIn({ entryPoint: 'portal', userType: 'portal', login: 'direct' });
    expect(policy.evaluate(portal)).toEqual({ action: 'skip', rule: 'portal users' });
  });

  it('1.7: the portal entry point (a Host header any client sets) exempts nobody on its own', () => {
    for (const userType of ['standard', 'external'] as const) {
      const atPortal = signIn({ entryPoint: 'portal', userType, login: 'delegated' });
      expect(policy.evaluate(atPortal)).toEqual({ action: 'confirm', rule: 'everyone else' });
    }
    // Nor does the user type alone, at the standard entry point.
    const portalUser = signIn({ entryPoint: 'standard', userType: 'portal', login: 'direct' });
    expect(policy.evaluate(portalUser)).toEqual({ action: 'confirm', rule: 'everyone else' });
  });

  it('1.7: external collaboration users at the standard entry point are prompted', () => {
    const external = signIn({ entryPoint: 'standard', userType: 'external', login: 'delegated' });
    expect(policy.evaluate(external)).toEqual({ action: 'confirm', rule: 'everyone else' });
  });

  it('1.2: no network is trusted by default, and confirmed networks are kept until revoked', () => {
    expect(policy.isTrustedNetwork('10.0.0.1')).toBe(false);
    expect(policy.document.identity_confirmation.remember_networks_for).toBe(0);
  });

  it('1.3: the email option set and the help desk profile exist', () => {
    const helpDesk = policy.entitlements({ profile: 'Help Desk', permissionSets: [], groups: [] });
    expect([...helpDesk.permissions]).toEqual(['manage_identity_confirmation']);
    const email = policy.entitlements({
      permissionSets: ['Email-Based Identity Confirmation Option'],
      groups: [],
    });
    expect([...email.permissions]).toEqual(['email_identity_confirmation']);
  });

  it('section 2 numbers are the defaults', () => {
    const { identity_confirmation: confirmation, methods, mobile_registration: mobile } = defaultPolicy();
    expect(confirmation.code).toEqual({ length: 6, lifetime: 600_000, max_attempts: 5 });
    expect(confirmation.lockout).toEqual({ max_failures: 10, window: 3_600_000, duration: 3_600_000 });
    expect(methods.sms.send_limit).toEqual({ count: 5, per: 3_600_000 });
    expect(methods.temporary_code.issue_limit).toEqual({ count: 6, per: 3_600_000 });
    expect(mobile.reprompt_after).toBeNull();
  });

  it('an empty policy file (version only) is the default policy', () => {
    expect(policySchema.parse({ version: 1 })).toEqual(defaultPolicy());
  });

  it('config/policy.example.yaml is the default policy text', async () => {
    const example = await readFile(new URL('../../../config/policy.example.yaml', import.meta.url), 'utf8');
    expect(example).toBe(DEFAULT_POLICY_YAML);
  });

  it('each call returns a fresh document', () => {
    const first = defaultPolicy();
    first.rules.length = 0;
    expect(defaultPolicy().rules).toHaveLength(4);
  });
});
