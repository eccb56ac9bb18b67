import { describe, expect, it } from 'vitest';
import { policyOf } from './helpers.js';

const TRAVELLERS = 'cn=travellers,ou=groups,dc=example,dc=org';

const policy = policyOf({
  profiles: {
    'Standard User': {},
    'Help Desk': { permissions: ['manage_identity_confirmation'], groups: ['helpdesk'] },
    'Senior Help Desk': { permissions: ['manage_identity_confirmation'], groups: ['helpdesk', 'seniors'] },
  },
  permission_sets: {
    'Email-Based Identity Confirmation Option': {
      permissions: ['email_identity_confirmation'],
      groups: [TRAVELLERS],
    },
    'Audit Readers': {},
  },
});

const resolve = (sources: { profile?: string; permissionSets?: string[]; groups?: string[] }) =>
  policy.entitlements({ permissionSets: [], groups: [], ...sources });

describe('entitlements', () => {
  it('a user with no profile and no groups holds Standard User and nothing else', () => {
    const entitlements = resolve({});
    expect(entitlements).toEqual({ profile: 'Standard User', permissionSets: [], permissions: new Set() });
  });

  it('a profile named by the users file or directory wins over groups, whatever its letter case', () => {
    expect(resolve({ profile: 'senior help desk', groups: ['helpdesk'] }).profile).toBe('Senior Help Desk');
  });

  it('an unknown profile name falls back to groups, then to Standard User', () => {
    expect(resolve({ profile: 'Nobody Knows', groups: ['HelpDesk'] }).profile).toBe('Help Desk');
    expect(resolve({ profile: 'Nobody Knows' }).profile).toBe('Standard User');
  });

  it('the profile comes from the first profile whose groups include one of the user’s, ignoring case', () => {
    const entitlements = resolve({ groups: ['SENIORS'] });
    expect(entitlements.profile).toBe('Senior Help Desk');
    expect(entitlements.permissions.has('manage_identity_confirmation')).toBe(true);
  });

  it('a permission set reaches members of its directory groups, ignoring case', () => {
    const entitlements = resolve({ groups: ['CN=Travellers,OU=Groups,DC=example,DC=org'] });
    expect(entitlements.permissionSets).toEqual(['Email-Based Identity Confirmation Option']);
    expect(entitlements.permissions.has('email_identity_confirmation')).toBe(true);
  });

  it('assigned permission sets are held; unknown names are ignored', () => {
    const entitlements = resolve({ permissionSets: ['audit readers', 'Retired Set'] });
    expect(entitlements.permissionSets).toEqual(['Audit Readers']);
    expect(entitlements.permissions.size).toBe(0);
  });

  it('permissions are the union of the profile’s and the sets’, each set listed once', () => {
    const entitlements = resolve({
      groups: ['helpdesk', TRAVELLERS],
      permissionSets: ['Email-Based Identity Confirmation Option'],
    });
    expect(entitlements.profile).toBe('Help Desk');
    expect(entitlements.permissionSets).toEqual(['Email-Based Identity Confirmation Option']);
    expect([...entitlements.permissions].sort()).toEqual([
      'email_identity_confirmation',
      'manage_identity_confirmation',
    ]);
  });

  it('Standard User exists even when the file’s profiles leave it out', () => {
    const withoutStandard = policyOf({ profiles: { 'Help Desk': { groups: ['helpdesk'] } } });
    expect(withoutStandard.document.profiles['Standard User']).toEqual({ permissions: [], groups: [] });
    expect(withoutStandard.entitlements({ permissionSets: [], groups: ['other'] }).profile).toBe(
      'Standard User',
    );
  });
});
