/**
 * What both WebAuthn ceremonies share (registering a key in the settings, using one to confirm):
 * the relying party, the challenge kept until it is answered and used once, the answer read from
 * a request, and what a key's credential keeps.
 */
import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';
import type { ReplayCache } from '../../ports.js';

/** The relying party keys are bound to (stepgate.yaml `webauthn:`, defaults from server.public_url). */
export interface RelyingParty {
  id: string;
  name: string;
  /** Where an answer may come from: stepgate's own origin, and an IdP's that offers passkeys. */
  origins: readonly string[];
}

/** What a key's credential keeps as its `data` (JSON); its signature counter is the record's `counter`. */
export interface KeyData {
  /** The authenticator's id for the key, base64url: how an answer names the key it came from. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  transports: AuthenticatorTransportFuture[];
  /** The make of key (an AAGUID; all zeros when the authenticator does not say). */
  aaguid: string;
  /** A passkey that can be synced between devices (multi-device), or a key bound to one device. */
  backupEligible: boolean;
  /** Whether it is backed up (synced) now, as it last said. */
  backedUp: boolean;
}

export function keyData(text: string): KeyData {
  return JSON.parse(text) as KeyData;
}

export function publicKeyBytes(data: KeyData): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(data.publicKey, 'base64url'));
}

/** How long an answer to a challenge is accepted: the browser's own prompt gives up after two minutes. */
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** The time the browser's prompt waits for the person, within the challenge's lifetime. */
export const PROMPT_TIMEOUT_MS = 2 * 60_000;

interface Challenge {
  challenge: string;
  issuedAt: number;
}

/** The challenge as it is kept with the sign-in or the settings session until answered. */
export function challengeState(challenge: string, now: Date): string {
  return JSON.stringify({ challenge, issuedAt: now.getTime() } satisfies Challenge);
}

/**
 * The challenge a state holds, if it is still fresh and this is its first use: each is answered
 * once, whatever the answer, so a captured answer cannot be replayed (the replay cache is shared
 * by every instance). Undefined means: start again.
 */
export async function takeChallenge(
  state: string | undefined,
  now: Date,
  replayCache: ReplayCache,
): Promise<string | undefined> {
  if (state === undefined) return undefined;
  let parsed: Partial<Challenge>;
  try {
    parsed = JSON.parse(state) as Partial<Challenge>;
  } catch {
    return undefined;
  }
  const { challenge, issuedAt } = parsed;
  if (typeof challenge !== 'string' || typeof issuedAt !== 'number') return undefined;
  const until = issuedAt + CHALLENGE_LIFETIME_MS;
  if (now.getTime() >= until) return undefined;
  return (await replayCache.remember(`webauthn:${challenge}`, new Date(until))) ? challenge : undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The browser's answer in a request body (`response`): an object in JSON, or its JSON text in a
 * form's hidden field. Only its outline is checked here; the library checks the rest.
 */
export function readResponse<T>(body: unknown): T | undefined {
  const value = isRecord(body) ? body.response : undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(parsed) || parsed.type !== 'public-key' || !isRecord(parsed.response)) return undefined;
  if (typeof parsed.id !== 'string' || typeof parsed.rawId !== 'string') return undefined;
  return parsed as T;
}
