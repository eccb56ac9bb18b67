/**
 * Nested groups (`nested_groups`): a user in `helpdesk-night`, itself a member of `helpdesk`, is
 * in both. Active Directory answers that in one search with LDAP_MATCHING_RULE_IN_CHAIN; other
 * directories (OpenLDAP, 389-ds) lack the rule, so their groups' own group attribute (memberOf)
 * is read level by level, within bounds, so a cycle or a huge tree cannot stall a sign-in.
 */
import { NoSuchObjectError, type Client } from 'ldapts';
import type { Logger } from '../../gateway/ports.js';
import type { LdapConfig } from './config.js';
import { valuesOf } from './entry.js';
import { escapeFilterValue } from './filter.js';

/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: `member` followed transitively. */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';
/** LDAP_CAP_ACTIVE_DIRECTORY_OID in the root DSE's supportedCapabilities. */
const ACTIVE_DIRECTORY_CAPABILITY = '1.2.840.113556.1.4.800';

/** Levels of groups-of-groups read at most, and groups a user may end up with. */
export const MAX_DEPTH = 10;
export const MAX_GROUPS = 500;

export type NestedGroups = 'in_chain' | 'expand';

/** The groups (any depth) that have `userDn` as a member, as Active Directory reads the filter. */
export function inChainFilter(userDn: string): string {
  return `(member:${IN_CHAIN_RULE}:=${escapeFilterValue(userDn)})`;
}

/** in_chain where the root DSE says Active Directory, else expand. */
export async function detectNestedGroups(client: Client): Promise<NestedGroups> {
  const { searchEntries } = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['supportedCapabilities'],
  });
  const capabilities = searchEntries[0] ? valuesOf(searchEntries[0], 'supportedCapabilities') : [];
  return capabilities.includes(ACTIVE_DIRECTORY_CAPABILITY) ? 'in_chain' : 'expand';
}

/** Adds to `into` the values it lacks, compared ignoring case as DNs are; returns the ones added. */
function addNew(into: Map<string, string>, values: readonly string[]): string[] {
  const added: string[] = [];
  for (const value of values) {
    const key = value.toLowerCase();
    if (into.has(key) || into.size >= MAX_GROUPS) continue;
    into.set(key, value);
    added.push(value);
  }
  return added;
}

async function inChain(client: Client, config: LdapConfig, userDn: string): Promise<string[]> {
  const { searchEntries } = await client.search(config.group_base_dn ?? config.base_dn, {
    scope: 'sub',
    filter: inChainFilter(userDn),
    sizeLimit: MAX_GROUPS,
    attributes: ['1.1'], // the DNs alone
  });
  return searchEntries.map((entry) => entry.dn);
}

/** A group's own groups; a group the search account cannot see adds none. */
async function parentsOf(client: Client, groupDn: string, attribute: string): Promise<string[]> {
  try {
    const { searchEntries } = await client.search(groupDn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [attribute],
    });
    return searchEntries[0] ? valuesOf(searchEntries[0], attribute) : [];
  } catch (error) {
    if (error instanceof NoSuchObjectError) return [];
    throw error;
  }
}

/**
 * Every group of the user: the direct ones from their entry, and those the chosen way finds.
 * `client` is bound as the search account.
 */
export async function nestedGroups(
  client: Client,
  how: NestedGroups,
  user: { dn: string; groups: readonly string[] },
  config: LdapConfig,
  logger: Logger,
): Promise<string[]> {
  const all = new Map<string, string>();
  let level = addNew(all, user.groups);
  if (how === 'in_chain') {
    addNew(all, await inChain(client, config, user.dn));
    level = [];
  }
  for (let depth = 1; level.length > 0 && depth <= MAX_DEPTH; depth += 1) {
    const parents = await Promise.all(level.map((dn) => parentsOf(client, dn, config.attributes.groups)));
    level = addNew(all, parents.flat());
  }
  // Groups still unread after MAX_DEPTH levels, or the MAX_GROUPS reached: say so, keep what was found.
  if (all.size >= MAX_GROUPS || level.length > 0) {
    logger.warn('directory: nested groups cut short', {
      dn: user.dn,
      groups: all.size,
      max_depth: MAX_DEPTH,
    });
  }
  return [...all.values()];
}
