/**
 * The set-up under test: the app behind stepgate, built in the test's own process with
 * createStepgate, on a clock the test moves and an outbox the test reads. The same module serves
 * the Vitest example (app.test.ts) and the node:test one (app.node-test.ts).
 */
import { createStepgate, hashPassword, type Stepgate, type StepgateOptions } from 'stepgate';
import { TestClock, TestOutbox, silentLogger, testConfig, type TestConfigInput } from 'stepgate/testing';
import { startApp } from './app.js';

export const PASSWORD = 'correct horse battery staple';
/** Made once: hashing is deliberately slow. */
export const PASSWORD_HASH = await hashPassword(PASSWORD);

export const ALICE = { username: 'alice', password: PASSWORD, email: 'alice@example.com' };
export const BOB = { username: 'bob', password: PASSWORD, email: 'bob@example.com', mobile: '+14155550123' };

/** A help desk's bearer token for /admin/v1 (admin.api_tokens). */
export const HELPDESK_TOKEN = 'helpdesk-token-for-the-examples-0123456789';

export interface ProtectedApp {
  stepgate: Stepgate;
  clock: TestClock;
  outbox: TestOutbox;
  close(): Promise<void>;
}

export async function startProtectedApp(
  options: { logins?: TestConfigInput['logins']; policy?: StepgateOptions['policy'] } = {},
): Promise<ProtectedApp> {
  const app = await startApp();
  const clock = new TestClock();
  const outbox = new TestOutbox(clock);
  const stepgate = await createStepgate(
    testConfig({
      upstream: { url: app.url },
      logins: options.logins ?? {},
      admin: { api_tokens: [HELPDESK_TOKEN] },
    }),
    {
      users: {
        alice: { password_hash: PASSWORD_HASH, email: ALICE.email },
        bob: { password_hash: PASSWORD_HASH, email: BOB.email, mobile: BOB.mobile },
      },
      // Everyone is challenged on a new network; nobody is asked for a mobile number.
      policy: options.policy ?? { version: 1, mobile_registration: { prompt: false } },
      clock,
      sms: outbox,
      email: outbox,
      logger: silentLogger,
    },
  );
  return {
    stepgate,
    clock,
    outbox,
    close: async () => {
      await stepgate.close();
      await app.close();
    },
  };
}
