import type { Pool, PoolClient } from 'pg';

/**
 * Lends `work` one connection of the pool. A connection that saw an error is closed rather than
 * returned: it may be broken, or still inside a transaction a failed ROLLBACK could not end.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    return await work(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    client.release(failed);
  }
}

/** Runs `work` between BEGIN and COMMIT on `client`; rolls back and rethrows when it throws. */
export async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The original error is the one worth reporting; withClient discards the connection anyway.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
