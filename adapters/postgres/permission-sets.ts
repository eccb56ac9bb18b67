import type { Pool } from 'pg';
import type { PermissionSetAssignment } from '../../gateway/ports.js';
import { fromMillis, toMillis, type BigintText } from './values.js';

interface AssignmentRow {
  username: string;
  permission_set: string;
  assigned_at: BigintText;
  assigned_by: string;
}

/** Permission sets assigned through the admin API or CLI (the policy file grants the others). */
export class PostgresPermissionSets {
  constructor(private readonly pool: Pool) {}

  async listFor(user: string): Promise<PermissionSetAssignment[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's default collation is.
    const { rows } = await this.pool.query<AssignmentRow>(
      `SELECT username, permission_set, assigned_at, assigned_by FROM permission_set_assignments
       WHERE username = $1 ORDER BY permission_set COLLATE "C" ASC`,
      [user],
    );
    return rows.map((row) => ({
      user: row.username,
      permissionSet: row.permission_set,
      assignedAt: fromMillis(row.assigned_at),
      assignedBy: row.assigned_by,
    }));
  }

  async assign(assignment: PermissionSetAssignment): Promise<void> {
    // Assigning again is not an error and keeps who assigned it first, and when.
    await this.pool.query(
      `INSERT INTO permission_set_assignments (username, permission_set, assigned_at, assigned_by)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (username, permission_set) DO NOTHING`,
      [assignment.user, assignment.permissionSet, toMillis(assignment.assignedAt), assignment.assignedBy],
    );
  }

  async unassign(user: string, permissionSet: string): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM permission_set_assignments WHERE username = $1 AND permission_set = $2',
      [user, permissionSet],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
