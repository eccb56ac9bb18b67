import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../../policies/schema.js';
import { problemsOf } from './helpers.js';

const withRules = (rules: unknown[], rest: Record<string, unknown> = {}) => ({ version: 1, ...rest, rules });

describe('policy schema: resolved values', () => {
  it('fills defaults, converts durations to milliseconds and matchers to lists', () => {
    const policy = policySchema.parse({
      version: 1,
      identity_confirmation: { remember_networks_for: '90d', code: { lifetime: '24h' } },
      methods: { sms: { send_limit: { count: 3 }, allowed_countries: ['us', 'GB'] } },
      mobile_registration: { reprompt_after: '30d' },
      rules: [{ name: 'r', when: { login: 'saml', network: ['10.0.0.0/8', '2001:db8::1'] }, then: 'skip' }],
    });
    expect(policy.identity_confirmation.remember_networks_for).toBe(90 * 86_400_000);
    expect(policy.identity_confirmation.code).toEqual({ length: 6, lifetime: 86_400_000, max_attempts: 5 });
    expect(policy.methods.sms).toEqual({
      enabled: true,
      send_limit: { count: 3, per: 3_600_000 },
      allowed_countries: ['US', 'GB'],
      pumping_guard: {
        fleet_budget: { count: 1000, per: 3_600_000 },
        country_budget: { count: 200, per: 3_600_000 },
        country_budgets: {},
        per_network: { count: 20, per: 3_600_000 },
        refused_number_types: ['SHARED_COST', 'PERSONAL_NUMBER'],
      },
    });
    expect(policy.mobile_registration.reprompt_after).toBe(30 * 86_400_000);
    expect(policy.rules).toEqual([
      {
        name: 'r',
        when: { login: ['saml'], network: ['10.0.0.0/8', '2001:db8::1'] },
        then: 'skip',
        notify: true,
      },
    ]);
  });

  it("reprompt_after 'never' resolves to null", () => {
    const policy = policySchema.parse({ version: 1, mobile_registration: { reprompt_after: 'never' } });
    expect(policy.mobile_registration.reprompt_after).toBeNull();
  });

  it('profiles, permission sets and rules given in the file replace the defaults, except Standard User', () => {
    const policy = policySchema.parse({
      version: 1,
      profiles: { Auditor: {} },
      permission_sets: {},
      rules: [],
    });
    expect(Object.keys(policy.profiles)).toEqual(['Auditor', 'Standard User']);
    expect(policy.permission_sets).toEqual({});
    expect(policy.rules).toEqual([]);
  });

  it('yields a JSON Schema for editors, with the allowed values of enumerated matchers', () => {
    const schema = JSON.stringify(z.toJSONSchema(policySchema, { io: 'input' }));
    expect(schema).toContain('"enum":["direct","delegated","saml","oidc"]');
    expect(schema).toContain('"enum":["skip","confirm","confirm_always","deny"]');
  });
});

describe('policy schema: problems name the key path and the bad value', () => {
  it('a missing or wrong version', () => {
    expect(problemsOf({})).toEqual(["version: is required: write 'version: 1'"]);
    expect(problemsOf({ version: 2 })).toEqual(['version: must be 1 but it is 2']);
  });

  it('duplicate rule names, pointing at the later rule', () => {
    const rules = [
      { name: 'office', then: 'skip' },
      { name: 'other', then: 'confirm' },
      { name: 'Office', then: 'deny' },
    ];
    expect(problemsOf(withRules(rules))).toEqual([
      "rules.2.name: must be unique but it is 'Office', the name of rule 1 already",
    ]);
  });

  it('a CIDR block that does not parse, in a rule and in trusted_networks', () => {
    const rules = [{ name: 'r', when: { network: ['10.0.0.0/8', '10.0.0.0/33'] }, then: 'skip' }];
    const trusted = { identity_confirmation: { trusted_networks: ['2001:db8::/32', 'office'] } };
    expect(problemsOf(withRules(rules, trusted))).toEqual([
      "identity_confirmation.trusted_networks.1: must be an IP address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32 but it is 'office'",
      "rules.0.when.network.1: must be an IP address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32 but it is '10.0.0.0/33'",
    ]);
  });

  it('an unknown matcher key, and unknown keys elsewhere', () => {
    const rules = [{ name: 'r', when: { logins: 'saml' }, then: 'skip' }];
    expect(problemsOf(withRules(rules, { methods: { fax: {} } }))).toEqual([
      'methods: Unrecognized key: "fax"',
      'rules.0.when: Unrecognized key: "logins"',
    ]);
  });

  it('a profile or permission set no profile or set defines, listing the known ones', () => {
    const rules = [
      { name: 'a', when: { profile: 'Help desk' }, then: 'skip' },
      { name: 'b', when: { profile: 'Helpdesk' }, then: 'skip' },
      {
        name: 'c',
        when: { permission_set: ['Email-Based Identity Confirmation Option', 'VPN'] },
        then: 'skip',
      },
    ];
    expect(problemsOf(withRules(rules))).toEqual([
      "rules.1.when.profile: must name a profile in 'profiles' ('Standard User', 'Help Desk') but it is 'Helpdesk'",
      "rules.2.when.permission_set.1: must name a permission set in 'permission_sets' ('Email-Based Identity Confirmation Option') but it is 'VPN'",
    ]);
  });

  it('every problem at once, even where other parts of the same list are invalid', () => {
    const rules = [
      { name: 'a', when: { login: [5], profile: 'Nobody' }, then: 'skip' },
      { name: 'a', then: 'skip' },
    ];
    const profiles = { 'Help Desk': { permissions: ['everything'] } };
    expect(problemsOf(withRules(rules, { profiles }))).toEqual([
      "profiles.Help Desk.permissions.0: must be one of manage_identity_confirmation, email_identity_confirmation but it is 'everything'",
      'rules.0.when.login: must be direct, delegated, saml, oidc, or a list of them',
      "rules.1.name: must be unique but it is 'a', the name of rule 1 already",
      "rules.0.when.profile: must name a profile in 'profiles' ('Standard User', 'Help Desk') but it is 'Nobody'",
    ]);
  });

  it('Standard User may be named even when the file leaves it out', () => {
    const rules = [{ name: 'a', when: { profile: 'Standard User' }, then: 'skip' }];
    expect(problemsOf(withRules(rules, { profiles: { Auditor: {} } }))).toEqual([]);
  });

  it('a login, user type or action outside its allowed values, naming them', () => {
    const rules = [
      { name: 'a', when: { login: 'ldap' }, then: 'skip' },
      { name: 'b', when: { user_type: ['standard', 'robot'] }, then: 'skip' },
      { name: 'c', then: 'allow' },
      { name: 'd', when: { login: 7 }, then: 'skip' },
    ];
    expect(problemsOf(withRules(rules))).toEqual([
      "rules.0.when.login: must be one of direct, delegated, saml, oidc but it is 'ldap'",
      "rules.1.when.user_type.1: must be one of standard, portal, external but it is 'robot'",
      "rules.2.then: must be one of skip, confirm, confirm_always, deny but it is 'allow'",
      'rules.3.when.login: must be direct, delegated, saml, oidc, or a list of them',
    ]);
  });

  it('a rule without a name or action, and an empty matcher list', () => {
    expect(problemsOf(withRules([{ when: { group: [] } }]))).toEqual([
      'rules.0.name: is required',
      'rules.0.when.group: must list at least one value',
      'rules.0.then: is required',
    ]);
  });

  it('profile names that differ only by letter case', () => {
    expect(
      problemsOf({ version: 1, profiles: { 'Help Desk': {}, 'help desk': {}, 'standard user': {} } }),
    ).toEqual([
      "profiles.help desk: profile names are compared ignoring letter case, so this must differ from 'Help Desk' but it is 'help desk'",
      "profiles.standard user: profile names are compared ignoring letter case, so this must differ from 'Standard User' but it is 'standard user'",
    ]);
  });

  it('numbers outside their ranges and durations that do not parse', () => {
    const problems = problemsOf({
      version: 1,
      identity_confirmation: { code: { length: 12, lifetime: '2d' }, ipv6_prefix: 129 },
      methods: { sms: { allowed_countries: ['USA'] } },
      mobile_registration: { reprompt_after: 'sometimes' },
      profiles: { 'Help Desk': { permissions: ['reset_everything'] } },
    });
    expect(problems).toEqual([
      'identity_confirmation.ipv6_prefix: must be between 1 and 128',
      'identity_confirmation.code.length: must be between 4 and 10 digits',
      "identity_confirmation.code.lifetime: must be at most 1d but it is '2d'",
      "methods.sms.allowed_countries.0: must be an ISO 3166 alpha-2 country code such as 'US' or 'GB' but it is 'USA'",
      "mobile_registration.reprompt_after: must be 'never' or a duration such as '30d' but it is 'sometimes'",
      "profiles.Help Desk.permissions.0: must be one of manage_identity_confirmation, email_identity_confirmation but it is 'reset_everything'",
    ]);
  });

  it('the SMS-pumping guard, naming each bad budget, country and number type', () => {
    const problems = problemsOf({
      version: 1,
      methods: {
        sms: {
          pumping_guard: {
            fleet_budget: { count: 0 },
            country_budgets: { GBR: { count: 5 }, GB: { per: 'soon' } },
            refused_number_types: ['MOBILE'],
          },
        },
      },
    });
    expect(problems).toEqual([
      'methods.sms.pumping_guard.fleet_budget.count: must be at least 1',
      expect.stringMatching(/^methods\.sms\.pumping_guard\.country_budgets\.GB\.per: .*'soon'/),
      "methods.sms.pumping_guard.country_budgets.GBR: must be an ISO 3166 alpha-2 country code such as 'US' or 'GB' but it is 'GBR'",
      "methods.sms.pumping_guard.refused_number_types.0: must be one of SHARED_COST, PERSONAL_NUMBER, VOIP, TOLL_FREE, UAN, PAGER, VOICEMAIL, FIXED_LINE but it is 'MOBILE'",
    ]);
  });
});
