import type { Pool } from 'pg';
import type { PermissionSetAssignment } from '../../gateway/ports.js';
import {
  ASSIGNMENT_COLUMNS,
  inColumnOrder,
  toAssignment,
  toAssignmentRow,
  type AssignmentRow,
} from '../sql/rows.js';
import { postgresIntegers, type BigintText } from './values.js';

const columns = ASSIGNMENT_COLUMNS.join(', ');

/** Permission sets assigned through the admin API or CLI (the policy file grants the others). */
export class PostgresPermissionSets {
  constructor(private readonly pool: Pool) {}

  async listFor(user: string): Promise<PermissionSetAssignment[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's default collation is.
    const { rows } = await this.pool.query<AssignmentRow<BigintText>>(
      `SELECT ${columns} FROM permission_set_assignments
       WHERE username = $1 ORDER BY permission_set COLLATE "C" ASC`,
      [user],
    );
    return rows.map((row) => toAssignment(row, postgresIntegers));
  }

  async assign(assignment: PermissionSetAssignment): Promise<void> {
    // Assigning again is not an error and keeps who assigned it first, and when.
    await this.pool.query(
      `INSERT INTO permission_set_assignments (${columns})
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (username, permission_set) DO NOTHING`,
      inColumnOrder(toAssignmentRow(assignment), ASSIGNMENT_COLUMNS),
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
