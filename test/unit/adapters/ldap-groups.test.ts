import { FilterParser } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { IN_CHAIN_RULE, inChainFilter } from '../../../adapters/ldap/groups.js';

describe('inChainFilter (LDAP_MATCHING_RULE_IN_CHAIN)', () => {
  it("asks for the groups that hold the user's DN through any number of levels", () => {
    expect(IN_CHAIN_RULE).toBe('1.2.840.113556.1.4.1941');
    expect(inChainFilter('CN=Mo Zhang,OU=Staff,DC=corp,DC=example')).toBe(
      '(member:1.2.840.113556.1.4.1941:=CN=Mo Zhang,OU=Staff,DC=corp,DC=example)',
    );
  });

  it('escapes what the DN holds, so it reads back as the same DN and nothing more', () => {
    const dn = 'CN=Zhang\\, Mo (night*),OU=Staff,DC=corp,DC=example';
    const filter = inChainFilter(dn);
    expect(filter).toBe(
      '(member:1.2.840.113556.1.4.1941:=CN=Zhang\\5c, Mo \\28night\\2a\\29,OU=Staff,DC=corp,DC=example)',
    );
    expect(FilterParser.parseString(filter)).toMatchObject({
      matchType: 'member',
      rule: IN_CHAIN_RULE,
      value: dn,
      dnAttributes: false,
    });
  });
});
