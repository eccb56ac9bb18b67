import type Database from 'better-sqlite3';
import type { PermissionSetAssignment } from '../../gateway/ports.js';
import { fromMillis, toMillis } from './time.js';

interface AssignmentRow {
  username: string;
  permission_set: string;
  assigned_at: number;
  assigned_by: string;
}

/** Permission sets assigned through the admin API or CLI (the policy file grants the others). */
export class SqlitePermissionSets {
  private readonly list: Database.Statement<[string], AssignmentRow>;
  private readonly insert: Database.Statement<[AssignmentRow]>;
  private readonly remove: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.list = db.prepare(
      'SELECT * FROM permission_set_assignments WHERE username = ? ORDER BY permission_set ASC',
    );
    // Assigning again is not an error and keeps who assigned it first, and when.
    this.insert = db.prepare(`
      INSERT INTO permission_set_assignments (username, permission_set, assigned_at, assigned_by)
      VALUES (@username, @permission_set, @assigned_at, @assigned_by)
      ON CONFLICT (username, permission_set) DO NOTHING`);
    this.remove = db.prepare(
      'DELETE FROM permission_set_assignments WHERE username = ? AND permission_set = ?',
    );
  }

  listFor(user: string): PermissionSetAssignment[] {
    return this.list.all(user).map((row) => ({
      user: row.username,
      permissionSet: row.permission_set,
      assignedAt: fromMillis(row.assigned_at),
      assignedBy: row.assigned_by,
    }));
  }

  assign(assignment: PermissionSetAssignment): void {
    this.insert.run({
      username: assignment.user,
      permission_set: assignment.permissionSet,
      assigned_at: toMillis(assignment.assignedAt),
      assigned_by: assignment.assignedBy,
    });
  }

  unassign(user: string, permissionSet: string): boolean {
    return this.remove.run(user, permissionSet).changes > 0;
  }
}
