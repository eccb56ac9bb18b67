/**
 * A config object for tests: stepgate.yaml's content with what a test leaves out filled in. A
 * fresh session secret, and SQLite in memory so every gateway starts empty and leaves no file.
 */
import { randomBytes } from 'node:crypto';
import type { ConfigInput } from '../../config/schema.js';

/** stepgate.yaml's content, the session (and its secret) optional. */
export type TestConfigInput = Omit<ConfigInput, 'session'> & { session?: Partial<ConfigInput['session']> };

export function testConfig(config: TestConfigInput): ConfigInput {
  return {
    ...config,
    session: { ...config.session, secret: config.session?.secret ?? randomBytes(32).toString('base64url') },
    store: { type: 'sqlite', path: ':memory:', ...config.store },
  };
}
