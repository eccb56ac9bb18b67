/**
 * Authenticator codes for tests: what a standard app (SHA-1, 6 digits, 30 s) shows for a secret,
 * an enrollment through the JSON API (POST /settings/authenticator), and the current code of a
 * user enrolled that way, on the gateway's clock. Built on the public API only: the kit keeps the
 * secrets it enrolled, as the user's phone would.
 */
import { HOTP, Secret } from 'otpauth';
import { canonicalUsername } from '../../gateway/identity.js';
import type { Clock } from '../../gateway/ports.js';
import { DEFAULT_BASE_PATH, UnexpectedAnswerError, type Agent } from './agent.js';

const PERIOD_MS = 30_000;

const stepOf = (time: Date) => Math.floor(time.getTime() / PERIOD_MS);

/** What an authenticator app holding `secret` (base32) shows at `time`. */
export function totpCode(secret: string, time: Date = new Date()): string {
  return HOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    counter: stepOf(time),
  });
}

/** The part of a stepgate the helpers read: its clock and base path (createStepgate's result). */
export interface WithClock {
  ports: { clock: Clock };
  config?: { server: { base_path: string } };
}

interface Phone {
  secret: string;
  /** The last time step whose code was used: stepgate accepts each code once. */
  lastStep: number;
}

/** The secrets enrolled through enrollAuthenticator, per gateway and canonical username. */
const phones = new WeakMap<object, Map<string, Phone>>();

/**
 * Enrolls an authenticator for the user signed in on `agent`: POST /settings/authenticator for a
 * secret, then again with the code it shows on the gateway's clock. Returns the base32 secret,
 * and remembers it for authenticatorCode.
 */
export async function enrollAuthenticator(agent: Agent, stepgate: WithClock): Promise<string> {
  const base = stepgate.config?.server.base_path ?? DEFAULT_BASE_PATH;
  const path = `${base}/settings/authenticator`;
  const post = (body: object) => agent.post(path).set('Accept', 'application/json').send(body);
  const started = await post({});
  const secret = (started.body as { secret?: unknown } | undefined)?.secret;
  if (started.status !== 200 || typeof secret !== 'string') {
    throw new UnexpectedAnswerError('enrollAuthenticator', `POST ${path}`, started);
  }
  const now = stepgate.ports.clock.now();
  const proved = await post({ code: totpCode(secret, now) });
  if (proved.status !== 200) throw new UnexpectedAnswerError('enrollAuthenticator', `POST ${path}`, proved);
  const settings = await agent.get(`${base}/settings`).set('Accept', 'application/json');
  const user = (settings.body as { user?: unknown } | undefined)?.user;
  if (settings.status !== 200 || typeof user !== 'string') {
    throw new UnexpectedAnswerError('enrollAuthenticator', `GET ${base}/settings`, settings);
  }
  const enrolled = phones.get(stepgate) ?? new Map<string, Phone>();
  enrolled.set(canonicalUsername(user), { secret, lastStep: stepOf(now) });
  phones.set(stepgate, enrolled);
  return secret;
}

/**
 * The code `username`'s authenticator (enrolled with enrollAuthenticator on this gateway) shows
 * now, on the gateway's clock. stepgate accepts a code once: asking twice within one 30-second
 * step is refused with a hint to advance the clock.
 */
export function authenticatorCode(stepgate: WithClock, username: string): string {
  const phone = phones.get(stepgate)?.get(canonicalUsername(username));
  if (!phone) {
    throw new Error(
      `authenticatorCode: no authenticator was enrolled for ${username} with enrollAuthenticator on this gateway`,
    );
  }
  const now = stepgate.ports.clock.now();
  if (stepOf(now) <= phone.lastStep) {
    throw new Error(
      `authenticatorCode: the code of this 30-second step was already used for ${username}; advance the clock by '30s'`,
    );
  }
  phone.lastStep = stepOf(now);
  return totpCode(phone.secret, now);
}
