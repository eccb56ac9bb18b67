/**
 * Passkeys and security keys (WebAuthn, SPEC §1.1 method `webauthn`), with @simplewebauthn/server.
 * A person sets up any number of named keys in their settings (a confirmed session); a challenge
 * then asks the browser for one of them. The answer is bound to the relying party's origins, so a
 * look-alike site cannot relay it: the method a policy rule names when it wants a phishing-resistant
 * one (`methods: [webauthn]`). Each key is a credential of type `webauthn` holding its public key
 * (ceremony.ts KeyData), its signature counter as the credential's counter.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { PolicyDocument } from '../../../policies/schema.js';
import type { PolicySource } from '../../context.js';
import type { Clock, CredentialRecord, ReplayCache, Store } from '../../ports.js';
import { t } from '../../i18n/index.js';
import type { CodeHasher } from '../codes.js';
import type { ConfirmationMethod, Started, Subject, UserFacts, VerifyResult } from '../types.js';
import { ASSETS } from './browser.js';
import {
  PROMPT_TIMEOUT_MS,
  challengeState,
  keyData,
  publicKeyBytes,
  readResponse,
  takeChallenge,
  type RelyingParty,
} from './ceremony.js';
import { WebauthnCredentials } from './credentials.js';
import { WEBAUTHN, offerBlock, usePage } from './pages.js';

export { WEBAUTHN } from './pages.js';
export type { RelyingParty } from './ceremony.js';

export interface WebauthnDeps {
  policy: PolicySource;
  store: Store;
  clock: Clock;
  replayCache: ReplayCache;
  hasher: CodeHasher;
  relyingParty: RelyingParty;
}

const refused = (message: string): VerifyResult => ({ ok: false, reason: 'invalid_code', message });

export class WebauthnFactor implements ConfirmationMethod<AuthenticationResponseJSON> {
  readonly id = WEBAUTHN;
  get label() {
    return t('method.webauthn');
  }
  /** Bound to our origin, so it cannot be phished: the strongest method. */
  readonly strength = 40;
  readonly lasting = true;
  /** The browser answers, not the person: an IdP must run the ceremony itself to offer it. */
  readonly answeredWithCode = false;
  get missingAnswer() {
    return t('webauthn.missing_answer');
  }
  readonly credentials: WebauthnCredentials;
  readonly assets = ASSETS;
  readonly view = {
    offer: offerBlock,
    answer: (ctx: Parameters<typeof usePage>[0], state: { shown?: Record<string, unknown> }) =>
      state.shown ? usePage(ctx, state.shown.options) : undefined,
  };

  constructor(private readonly deps: WebauthnDeps) {
    this.credentials = new WebauthnCredentials(deps);
  }

  /** Wherever the user has set up a key, while the policy has passkeys on. */
  offered(facts: UserFacts, policy: PolicyDocument): boolean {
    return policy.methods.webauthn.enabled && facts.credentials.some((c) => c.method === this.id);
  }

  describe() {
    return {};
  }

  /** Options for the browser's prompt, naming the user's keys; the challenge waits with the sign-in. */
  async start(subject: Subject): Promise<Started> {
    const { store, clock, relyingParty } = this.deps;
    const keys = await store.listCredentials(subject.user, WEBAUTHN);
    const options = await generateAuthenticationOptions({
      rpID: relyingParty.id,
      allowCredentials: keys.map((key) => {
        const data = keyData(key.data);
        return { id: data.credentialId, transports: data.transports };
      }),
      userVerification: this.policy().user_verification,
      timeout: PROMPT_TIMEOUT_MS,
    });
    return { shown: { options }, state: challengeState(options.challenge, clock.now()) };
  }

  readAnswer(body: unknown): AuthenticationResponseJSON | undefined {
    return readResponse<AuthenticationResponseJSON>(body);
  }

  /**
   * The answer must sign this sign-in's challenge (used once, whatever the outcome) with one of
   * the user's keys, from one of the relying party's origins, and move the key's signature
   * counter on where the key keeps one: a counter that goes back is a cloned key.
   */
  async verify(
    subject: Subject,
    response: AuthenticationResponseJSON,
    state?: string,
  ): Promise<VerifyResult> {
    const { store, clock, replayCache, relyingParty } = this.deps;
    const now = clock.now();
    const challenge = await takeChallenge(state, now, replayCache);
    if (challenge === undefined) {
      return {
        ok: false,
        reason: 'no_code',
        message: t('webauthn.not_asked'),
      };
    }
    const keys = await store.listCredentials(subject.user, WEBAUTHN);
    const key = keys.find((candidate) => keyData(candidate.data).credentialId === response.id);
    if (!key) return refused(t('webauthn.unknown_key'));
    const data = keyData(key.data);
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: [...relyingParty.origins],
        expectedRPID: relyingParty.id,
        credential: {
          id: data.credentialId,
          publicKey: publicKeyBytes(data),
          counter: key.counter ?? 0,
          transports: data.transports,
        },
        requireUserVerification: this.policy().user_verification === 'required',
      });
    } catch {
      // Another origin or relying party, another challenge, a bad signature: the library says which.
      verified = undefined;
    }
    if (!verified?.verified) return refused(t('webauthn.not_verified'));
    const { newCounter, credentialBackedUp } = verified.authenticationInfo;
    // A key that keeps no counter always says 0; one that does must move it on, atomically.
    const counted = newCounter > 0 || (key.counter ?? 0) > 0;
    if (
      !(await store.useCredential(subject.user, key.id, {
        at: now,
        counter: counted ? newCounter : undefined,
      }))
    ) {
      return refused(t('webauthn.counter_reused'));
    }
    if (credentialBackedUp !== data.backedUp) await this.saveBackedUp(key, credentialBackedUp, now);
    return { ok: true };
  }

  /** A synced passkey may become backed up (or stop being) between uses; the settings say which. */
  private async saveBackedUp(key: CredentialRecord, backedUp: boolean, now: Date): Promise<void> {
    const [current] = (await this.deps.store.listCredentials(key.user, WEBAUTHN)).filter(
      (c) => c.id === key.id,
    );
    if (!current) return;
    const data = { ...keyData(current.data), backedUp };
    await this.deps.store.saveCredential({ ...current, data: JSON.stringify(data), lastUsedAt: now });
  }

  private policy() {
    return this.deps.policy.current().document.methods.webauthn;
  }
}
