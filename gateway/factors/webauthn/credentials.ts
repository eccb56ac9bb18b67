/**
 * Setting up passkeys and security keys from the settings page (a confirmed session): options
 * for the browser naming the keys already set up (so one key is not added twice), then the
 * browser's answer checked against the challenge and the relying party before the key is kept,
 * under the name its owner gives it.
 */
import { randomUUID } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { PolicyDocument } from '../../../policies/schema.js';
import { errors, GatewayError } from '../../errors.js';
import { t } from '../../i18n/index.js';
import { credentialSummary } from '../credentials.js';
import type { CredentialSummary, Enrolment, MethodCredentials, Subject } from '../types.js';
import {
  PROMPT_TIMEOUT_MS,
  challengeState,
  keyData,
  readResponse,
  takeChallenge,
  type KeyData,
} from './ceremony.js';
import type { WebauthnDeps } from './index.js';
import { WEBAUTHN, addPage, keysSection } from './pages.js';

/** Keys one person may hold: plenty for a phone, a laptop and spares, and a bound on what one can store. */
export const MAX_KEYS = 20;
const MAX_NAME_LENGTH = 64;

export interface KeyProof {
  response: RegistrationResponseJSON;
  name?: string | undefined;
}

function nameOf(text: string | undefined, held: number): string {
  const name = (text ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH);
  return name === '' ? t('webauthn.default_name', { number: held + 1 }) : name;
}

export class WebauthnCredentials implements MethodCredentials<KeyProof> {
  get refusedProof() {
    return t('webauthn.refused_proof');
  }
  readonly view = {
    section: keysSection,
    enrolPage: (ctx: Parameters<typeof addPage>[0], enrolment: Enrolment, error?: string) =>
      addPage(ctx, enrolment.shown.options, error),
  };

  constructor(private readonly deps: WebauthnDeps) {}

  async list(user: string): Promise<CredentialSummary[]> {
    return (await this.deps.store.listCredentials(user, WEBAUTHN)).map(credentialSummary);
  }

  enrollable(policy: PolicyDocument): boolean {
    return policy.methods.webauthn.enabled;
  }

  /** A new challenge every time (a refused one is used up); the user handle is stable and says nothing. */
  async begin(subject: Subject, policy: PolicyDocument): Promise<Enrolment> {
    const { store, clock, hasher, relyingParty } = this.deps;
    const held = await store.listCredentials(subject.user, WEBAUTHN);
    if (held.length >= MAX_KEYS) {
      throw new GatewayError(409, 'too_many_credentials', t('webauthn.too_many', { count: MAX_KEYS }));
    }
    const userVerification = policy.methods.webauthn.user_verification;
    const options = await generateRegistrationOptions({
      rpName: relyingParty.name,
      rpID: relyingParty.id,
      userName: subject.user,
      userDisplayName: subject.user,
      userID: new Uint8Array(Buffer.from(hasher.hash('webauthn-user', subject.user, ''), 'base64url')),
      attestationType: 'none',
      excludeCredentials: held.map((key) => {
        const data = keyData(key.data);
        return { id: data.credentialId, transports: data.transports };
      }),
      authenticatorSelection: { residentKey: 'preferred', userVerification },
      timeout: PROMPT_TIMEOUT_MS,
    });
    return { shown: { options }, state: challengeState(options.challenge, clock.now()) };
  }

  readProof(body: unknown): KeyProof | undefined {
    const response = readResponse<RegistrationResponseJSON>(body);
    if (!response) return undefined;
    const name = (body as Record<string, unknown>).name;
    return { response, name: typeof name === 'string' ? name : undefined };
  }

  async finish(subject: Subject, state: string, proof: KeyProof): Promise<CredentialSummary | undefined> {
    const { store, clock, replayCache, relyingParty } = this.deps;
    const now = clock.now();
    const challenge = await takeChallenge(state, now, replayCache);
    if (challenge === undefined) return undefined;
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: proof.response,
        expectedChallenge: challenge,
        expectedOrigin: [...relyingParty.origins],
        expectedRPID: relyingParty.id,
        requireUserVerification:
          this.deps.policy.current().document.methods.webauthn.user_verification === 'required',
      });
    } catch {
      verified = undefined;
    }
    if (!verified?.verified) return undefined;
    const info = verified.registrationInfo;
    const held = await store.listCredentials(subject.user, WEBAUTHN);
    if (held.some((key) => keyData(key.data).credentialId === info.credential.id)) return undefined;
    const data: KeyData = {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      transports: info.credential.transports ?? proof.response.response.transports ?? [],
      aaguid: info.aaguid,
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
    };
    const record = {
      id: randomUUID(),
      user: subject.user,
      type: WEBAUTHN,
      name: nameOf(proof.name, held.length),
      data: JSON.stringify(data),
      createdAt: now,
      lastUsedAt: null,
      counter: info.credential.counter > 0 ? info.credential.counter : null,
    };
    await store.saveCredential(record);
    return credentialSummary(record);
  }

  /** Keys are removed one at a time, by id: a person may hold several. */
  async remove(user: string, id?: string): Promise<number> {
    if (id === undefined) throw errors.badRequest('invalid_request', t('webauthn.choose_key'));
    const held = await this.deps.store.listCredentials(user, WEBAUTHN);
    if (!held.some((key) => key.id === id)) return 0;
    return (await this.deps.store.removeCredential(user, id)) ? 1 : 0;
  }
}
