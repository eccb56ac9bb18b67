import { describe, expect, it } from 'vitest';
import { NO_RULE_MATCHED } from '../../../policies/compile.js';
import { policyOf, signIn } from './helpers.js';

const onlyRule = (when: Record<string, unknown>) =>
  policyOf({
    profiles: { Contractor: {}, 'Standard User': {} },
    permission_sets: { 'VPN Users': {} },
    rules: [{ name: 'the rule', when, then: 'deny' }],
  });

const decides = (when: Record<string, unknown>, context: Parameters<typeof signIn>[0]) =>
  onlyRule(when).evaluate(signIn(context)).rule === 'the rule';

describe('rule matchers', () => {
  it('entry_point, ignoring letter case', () => {
    expect(decides({ entry_point: 'portal' }, { entryPoint: 'portal' })).toBe(true);
    expect(decides({ entry_point: 'Portal' }, { entryPoint: 'portal' })).toBe(true);
    expect(decides({ entry_point: 'portal' }, { entryPoint: 'standard' })).toBe(false);
  });

  it('login', () => {
    expect(decides({ login: 'delegated' }, { login: 'delegated' })).toBe(true);
    expect(decides({ login: 'delegated' }, { login: 'direct' })).toBe(false);
  });

  it('user_type', () => {
    expect(decides({ user_type: 'external' }, { userType: 'external' })).toBe(true);
    expect(decides({ user_type: 'external' }, { userType: 'standard' })).toBe(false);
  });

  it('profile', () => {
    expect(decides({ profile: 'Contractor' }, { profile: 'Contractor' })).toBe(true);
    expect(decides({ profile: 'Contractor' }, { profile: 'Standard User' })).toBe(false);
  });

  it('permission_set: any set the user holds', () => {
    expect(decides({ permission_set: 'VPN Users' }, { permissionSets: ['Other', 'VPN Users'] })).toBe(true);
    expect(decides({ permission_set: 'VPN Users' }, { permissionSets: ['Other'] })).toBe(false);
    expect(decides({ permission_set: 'VPN Users' }, { permissionSets: [] })).toBe(false);
  });

  it('group: any group of the user, ignoring letter case as directories do', () => {
    const admins = 'cn=Admins,ou=groups,dc=example,dc=org';
    expect(
      decides({ group: admins }, { groups: ['cn=staff', 'CN=admins,OU=Groups,DC=example,DC=org'] }),
    ).toBe(true);
    expect(decides({ group: admins }, { groups: ['cn=staff'] })).toBe(false);
  });

  it('network, IPv4 (including an IPv4-mapped peer)', () => {
    expect(decides({ network: '203.0.113.0/24' }, { sourceIp: '203.0.113.200' })).toBe(true);
    expect(decides({ network: '203.0.113.0/24' }, { sourceIp: '::ffff:203.0.113.200' })).toBe(true);
    expect(decides({ network: '203.0.113.0/24' }, { sourceIp: '203.0.114.1' })).toBe(false);
  });

  it('network, IPv6', () => {
    expect(decides({ network: '2001:db8:aa::/48' }, { sourceIp: '2001:db8:aa:1::9' })).toBe(true);
    expect(decides({ network: '2001:db8:aa::/48' }, { sourceIp: '2001:db8:ab::9' })).toBe(false);
  });
});

describe('combining matchers', () => {
  it('a list matches when any of its values does', () => {
    expect(decides({ login: ['direct', 'delegated'] }, { login: 'delegated' })).toBe(true);
    expect(decides({ login: ['direct', 'delegated'] }, { login: 'saml' })).toBe(false);
    expect(decides({ network: ['10.0.0.0/8', '2001:db8::/32'] }, { sourceIp: '2001:db8::1' })).toBe(true);
  });

  it('every matcher of a rule must hold', () => {
    const when = { login: 'direct', user_type: 'external', network: '10.0.0.0/8' };
    expect(decides(when, { login: 'direct', userType: 'external', sourceIp: '10.1.1.1' })).toBe(true);
    expect(decides(when, { login: 'saml', userType: 'external', sourceIp: '10.1.1.1' })).toBe(false);
    expect(decides(when, { login: 'direct', userType: 'standard', sourceIp: '10.1.1.1' })).toBe(false);
    expect(decides(when, { login: 'direct', userType: 'external', sourceIp: '192.0.2.1' })).toBe(false);
  });

  it('a rule without `when`, or with an empty one, matches every sign-in', () => {
    const policy = policyOf({ rules: [{ name: 'all', then: 'skip' }] });
    expect(policy.evaluate(signIn({ login: 'saml', userType: 'portal' }))).toEqual({
      action: 'skip',
      rule: 'all',
    });
    expect(decides({}, {})).toBe(true);
  });
});

describe('rule order', () => {
  const policy = policyOf({
    rules: [
      { name: 'deny outsiders', when: { user_type: 'external', login: 'saml' }, then: 'deny' },
      { name: 'federated', when: { login: 'saml' }, then: 'skip' },
      { name: 'office', when: { network: '10.0.0.0/8' }, then: 'confirm_always' },
    ],
  });

  it('the first rule that matches decides, and the decision names it', () => {
    expect(policy.evaluate(signIn({ login: 'saml', userType: 'external' }))).toEqual({
      action: 'deny',
      rule: 'deny outsiders',
    });
    expect(policy.evaluate(signIn({ login: 'saml', sourceIp: '10.0.0.1' }))).toEqual({
      action: 'skip',
      rule: 'federated',
    });
    expect(policy.evaluate(signIn({ sourceIp: '10.0.0.1' }))).toEqual({
      action: 'confirm_always',
      rule: 'office',
    });
  });

  it('a sign-in no rule matches must confirm, so a gap in the rules never opens the door', () => {
    expect(policy.evaluate(signIn({ sourceIp: '192.0.2.1' }))).toEqual({
      action: 'confirm',
      rule: NO_RULE_MATCHED,
    });
    expect(NO_RULE_MATCHED).toBe('(no rule matched)');
    expect(policyOf({ rules: [] }).evaluate(signIn())).toEqual({
      action: 'confirm',
      rule: '(no rule matched)',
    });
  });
});

describe('networks', () => {
  const policy = policyOf({
    identity_confirmation: {
      trusted_networks: ['10.0.0.0/8', '2001:db8::/32'],
      ipv4_prefix: 24,
      ipv6_prefix: 56,
    },
  });

  it('trusted networks, v4, v6 and mapped; never anything that is not an address', () => {
    expect(policy.isTrustedNetwork('10.20.30.40')).toBe(true);
    expect(policy.isTrustedNetwork('::ffff:10.20.30.40')).toBe(true);
    expect(policy.isTrustedNetwork('2001:db8:1::1')).toBe(true);
    expect(policy.isTrustedNetwork('192.0.2.1')).toBe(false);
    expect(policy.isTrustedNetwork('unknown')).toBe(false);
  });

  it('remembers networks by the configured prefixes', () => {
    expect(policy.networkOf('192.0.2.77')).toBe('192.0.2.0/24');
    expect(policy.networkOf('2001:db8:1:22ff::1')).toBe('2001:db8:1:2200::/56');
  });

  it('by default remembers an IPv4 address alone and IPv6 by its /64', () => {
    const defaults = policyOf({});
    expect(defaults.networkOf('192.0.2.77')).toBe('192.0.2.77/32');
    expect(defaults.networkOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(defaults.isTrustedNetwork('10.0.0.1')).toBe(false);
  });
});
