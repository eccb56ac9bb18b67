/**
 * Authenticator codes for tests: what a standard app (SHA-1, 6 digits, 30 s) shows for a secret,
 * for a user stepgate has enrolled, and an enrollment through the JSON API.
 */
import { HOTP, Secret } from 'otpauth';
import { timeStep } from '../../gateway/factors/authenticator/totp.js';
import { canonicalUsername } from '../../gateway/identity.js';
import type { Clock, Store } from '../../gateway/ports.js';
import { DEFAULT_BASE_PATH, UnexpectedAnswerError, type Agent } from './agent.js';

/** What an authenticator app holding `secret` (base32) shows at `time`. */
export function totpCode(secret: string, time: Date = new Date()): string {
  return HOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    counter: timeStep(time),
  });
}

/** The part of a stepgate the helpers read: its ports (createStepgate's `ports`). */
export interface WithPorts {
  ports: { store: Store; clock: Clock };
}

/**
 * The code `username`'s enrolled authenticator shows now, on the gateway's clock. stepgate accepts
 * a code once: when this 30-second step's code was already used, advance the clock by '30s'.
 */
export async function authenticatorCode(stepgate: WithPorts, username: string): Promise<string> {
  const { store, clock } = stepgate.ports;
  const enrolled = await store.getAuthenticator(canonicalUsername(username));
  if (!enrolled) throw new Error(`authenticatorCode: ${username} has no authenticator enrolled`);
  const now = clock.now();
  if (enrolled.lastUsedStep !== null && enrolled.lastUsedStep >= timeStep(now)) {
    throw new Error(
      `authenticatorCode: ${username} already used the code of this 30-second step; advance the clock by '30s'`,
    );
  }
  return totpCode(enrolled.secret, now);
}

/**
 * Enrolls an authenticator for the user signed in on `agent` (POST /settings/authenticator, then
 * the code it proves the secret with, on the gateway's clock) and returns its base32 secret.
 */
export async function enrollAuthenticator(
  agent: Agent,
  stepgate: { ports: { clock: Clock }; config?: { server: { base_path: string } } },
): Promise<string> {
  const path = `${stepgate.config?.server.base_path ?? DEFAULT_BASE_PATH}/settings/authenticator`;
  const post = (body: object) => agent.post(path).set('Accept', 'application/json').send(body);
  const started = await post({});
  const secret = (started.body as { secret?: unknown }).secret;
  if (started.status !== 200 || typeof secret !== 'string') {
    throw new UnexpectedAnswerError('enrollAuthenticator', `POST ${path}`, started);
  }
  const proved = await post({ code: totpCode(secret, stepgate.ports.clock.now()) });
  if (proved.status !== 200) throw new UnexpectedAnswerError('enrollAuthenticator', `POST ${path}`, proved);
  return secret;
}
