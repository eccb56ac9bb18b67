import type Database from 'better-sqlite3';
import type { PermissionSetAssignment } from '../../gateway/ports.js';
import { toAssignment, toAssignmentRow, type AssignmentRow } from '../sql/rows.js';
import { sqliteIntegers } from './time.js';

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
    return this.list.all(user).map((row) => toAssignment(row, sqliteIntegers));
  }

  assign(assignment: PermissionSetAssignment): void {
    this.insert.run(toAssignmentRow(assignment));
  }

  unassign(user: string, permissionSet: string): boolean {
    return this.remove.run(user, permissionSet).changes > 0;
  }
}
