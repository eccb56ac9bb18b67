import { describe, expect, it } from 'vitest';
import { at, type CurrentStore } from '../fixtures.js';

const office = '203.0.113.0/32';
const home = '2001:db8:1:2::/64';

/** Remembered networks ("activations") and permission set assignments. */
export function describeAccess(store: CurrentStore): void {
  describe('remembered networks', () => {
    it('finds nothing before a network is remembered', async () => {
      expect(await store().findRememberedNetwork('user-1', office)).toBeUndefined();
      expect(await store().listRememberedNetworks('user-1')).toEqual([]);
    });

    it('remembers a network with its first and last use and the method', async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      const found = await store().findRememberedNetwork('user-1', office);
      expect(found).toEqual({
        user: 'user-1',
        network: office,
        firstUsedAt: at(0),
        lastUsedAt: at(0),
        method: 'sms',
      });
      expect(found?.firstUsedAt).toBeInstanceOf(Date);
    });

    it('keeps the first use and updates the last use and method when remembered again', async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      await store().rememberNetwork('user-1', office, 'authenticator', at(60));
      expect(await store().findRememberedNetwork('user-1', office)).toEqual({
        user: 'user-1',
        network: office,
        firstUsedAt: at(0),
        lastUsedAt: at(60),
        method: 'authenticator',
      });
      expect(await store().listRememberedNetworks('user-1')).toHaveLength(1);
    });

    it("does not find another user's network", async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      expect(await store().findRememberedNetwork('user-2', office)).toBeUndefined();
    });

    it("lists one user's networks, most recently used first", async () => {
      // Recency differs from name order, and a later use moves a network to the front.
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      await store().rememberNetwork('user-1', home, 'email', at(5));
      await store().rememberNetwork('user-1', office, 'email', at(9));
      await store().rememberNetwork('user-2', '198.51.100.1/32', 'sms', at(7));
      const listed = await store().listRememberedNetworks('user-1');
      expect(listed.map((entry) => entry.network)).toEqual([office, home]);
      expect(listed[1]).toEqual({
        user: 'user-1',
        network: home,
        firstUsedAt: at(5),
        lastUsedAt: at(5),
        method: 'email',
      });
    });

    it('revokes one network and says how many went', async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      await store().rememberNetwork('user-1', home, 'sms', at(1));
      expect(await store().revokeRememberedNetworks('user-1', office)).toBe(1);
      expect(await store().findRememberedNetwork('user-1', office)).toBeUndefined();
      expect(await store().findRememberedNetwork('user-1', home)).toBeDefined();
      expect(await store().revokeRememberedNetworks('user-1', office)).toBe(0);
    });

    it("revokes all of one user's networks and no one else's", async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      await store().rememberNetwork('user-1', home, 'sms', at(1));
      await store().rememberNetwork('user-2', office, 'sms', at(2));
      expect(await store().revokeRememberedNetworks('user-1')).toBe(2);
      expect(await store().listRememberedNetworks('user-1')).toEqual([]);
      expect(await store().findRememberedNetwork('user-2', office)).toBeDefined();
      expect(await store().revokeRememberedNetworks('user-1')).toBe(0);
    });

    it('treats a revoked network as new when it is remembered again', async () => {
      await store().rememberNetwork('user-1', office, 'sms', at(0));
      await store().revokeRememberedNetworks('user-1', office);
      await store().rememberNetwork('user-1', office, 'email', at(30));
      expect((await store().findRememberedNetwork('user-1', office))?.firstUsedAt).toEqual(at(30));
    });
  });

  describe('permission set assignments', () => {
    const travel = 'Email-Based Identity Confirmation Option';

    it('lists nothing for a user without assignments', async () => {
      expect(await store().listPermissionSetAssignments('user-1')).toEqual([]);
    });

    it('lists assignments by set name, with Dates', async () => {
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: travel,
        assignedAt: at(0),
        assignedBy: 'cli',
      });
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: 'Audit',
        assignedAt: at(1),
        assignedBy: 'hd',
      });
      await store().assignPermissionSet({
        user: 'user-2',
        permissionSet: travel,
        assignedAt: at(2),
        assignedBy: 'hd',
      });
      const listed = await store().listPermissionSetAssignments('user-1');
      expect(listed).toEqual([
        { user: 'user-1', permissionSet: 'Audit', assignedAt: at(1), assignedBy: 'hd' },
        { user: 'user-1', permissionSet: travel, assignedAt: at(0), assignedBy: 'cli' },
      ]);
      expect(listed[0]?.assignedAt).toBeInstanceOf(Date);
    });

    it('is idempotent: assigning again keeps the first assignment', async () => {
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: travel,
        assignedAt: at(0),
        assignedBy: 'cli',
      });
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: travel,
        assignedAt: at(9),
        assignedBy: 'hd',
      });
      expect(await store().listPermissionSetAssignments('user-1')).toEqual([
        { user: 'user-1', permissionSet: travel, assignedAt: at(0), assignedBy: 'cli' },
      ]);
    });

    it('unassigns once, leaving other users and sets alone', async () => {
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: travel,
        assignedAt: at(0),
        assignedBy: 'cli',
      });
      await store().assignPermissionSet({
        user: 'user-1',
        permissionSet: 'Audit',
        assignedAt: at(0),
        assignedBy: 'cli',
      });
      await store().assignPermissionSet({
        user: 'user-2',
        permissionSet: travel,
        assignedAt: at(0),
        assignedBy: 'cli',
      });
      expect(await store().unassignPermissionSet('user-1', travel)).toBe(true);
      expect(await store().unassignPermissionSet('user-1', travel)).toBe(false);
      expect((await store().listPermissionSetAssignments('user-1')).map((a) => a.permissionSet)).toEqual([
        'Audit',
      ]);
      expect(await store().listPermissionSetAssignments('user-2')).toHaveLength(1);
    });
  });
}
