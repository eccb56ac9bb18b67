/**
 * A confirmation method (SPEC §1.1) is a strategy: one folder under factors/ holds everything
 * about it — when a person is offered it, how a challenge starts, how an answer of its own shape
 * is checked, its credentials, what its page and its JSON show, and its names in the history.
 * The flows, the sidecar API, the admin service and the stores know methods only through the
 * shapes below; adding one is adding a folder and listing it in factors/index.ts (docs/methods.md).
 */
import type { PolicyDocument } from '../../policies/schema.js';
import type { SafeHtml } from '../http/html.js';
import type { HistoryTrigger } from '../ports.js';

/** A method's id: `sms`, `email`, `authenticator`, `webauthn`, `temporary_code` (SPEC §4). */
export type MethodId = string;

/** What the methods know about the person being challenged. */
export interface Subject {
  user: string;
  email?: string | undefined;
  /** The verified mobile number (E.164) this challenge may use, if any. */
  mobile?: string | undefined;
  /** Where this sign-in comes from: the SMS-pumping guard budgets sends per source network. */
  sourceIp?: string | undefined;
}

/** A credential as the flows and the help desk see it: what it is, never what it holds. */
export interface CredentialSummary {
  id: string;
  method: MethodId;
  /** The name its owner gave it ("Office key"); null for a method's only credential. */
  name: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Everything the offering rules look at, worked out afresh at every challenge. */
export interface UserFacts extends Subject {
  permissions: ReadonlySet<string>;
  /** Every credential the user holds, of every method. */
  credentials: readonly CredentialSummary[];
  hasTemporaryCode: boolean;
}

/** Why an answer was refused; `message`, when a method has its own words for it (no code was asked for). */
export type VerifyFailure = (
  | /** Wrong answer; `attemptsLeft` for codes that can be voided. */
    { reason: 'invalid_code'; attemptsLeft?: number }
    /** The code took its last wrong attempt, or had taken it already: it is void. */
  | { reason: 'code_void' }
  /** Nothing to answer is outstanding (never sent, used, or expired). */
  | { reason: 'no_code' }
) & { ok: false; message?: string };

export type VerifyResult = { ok: true } | VerifyFailure;

/** A method as GET /confirm lists it (SPEC §4): its id, and a masked destination for codes. */
export interface OfferedMethod {
  id: MethodId;
  destination?: string | undefined;
}

/** A challenge started: what the person and a program see, and what the answer is checked against. */
export interface Started {
  /** POST /confirm/send's JSON besides `sent: true`: `{destination}` for a code, `{options}` for WebAuthn. */
  shown: Record<string, unknown>;
  /** Kept with the sign-in, never shown, and handed back to `verify` (a WebAuthn challenge). */
  state?: string | undefined;
}

/** What a method's page needs from the request that renders it. */
export interface PageContext {
  basePath: string;
  csrf: string;
  /** A nonce for this page's `<script>` elements; asking for one allows them in its CSP. */
  scriptNonce(): string;
}

export interface MethodView {
  /** The method's block on the challenge page. */
  offer(page: PageContext, method: OfferedMethod): SafeHtml;
  /**
   * The page that asks for the answer, after `start` (with what it showed) or after a wrong answer
   * (with the error); undefined means the challenge page, with the error on it.
   */
  answer?(
    page: PageContext,
    state: { destination?: string | undefined; shown?: Record<string, unknown>; error?: string },
  ): string | undefined;
}

/** A file a method's pages load (a script), served at `<base_path>/methods/<method>/<name>`. */
export interface MethodAsset {
  contentType: string;
  body(): Promise<string>;
}

/** Setting a credential up from the settings page: shown to the person, kept until proved. */
export interface Enrolment {
  shown: Record<string, unknown>;
  state: string;
}

/** Methods whose credentials a person sets up in their settings (an authenticator app, passkeys). */
export interface MethodCredentials<Proof = unknown> {
  /** The user's credentials of this method, oldest first. */
  list(user: string): Promise<CredentialSummary[]>;
  /** Whether new credentials may be set up under this policy. */
  enrollable(policy: PolicyDocument): boolean;
  /**
   * What to show to set one up; `previous` is the state of the set-up under way, for showing it
   * again after a refused proof (the same QR code), which a method may also start afresh.
   */
  begin(subject: Subject, policy: PolicyDocument, previous?: string): Promise<Enrolment>;
  /** The proof in a request body, in the method's own shape; undefined when there is none. */
  readProof(body: unknown): Proof | undefined;
  /** Saves the credential when `proof` answers `state`; undefined when it does not. */
  finish(subject: Subject, state: string, proof: Proof): Promise<CredentialSummary | undefined>;
  /** Removes one credential by id, or, without one, every credential of the method; returns how many. */
  remove(user: string, id?: string): Promise<number>;
  /** Why a proof was refused, as a person can act on it. */
  readonly refusedProof: string;
  readonly view: {
    /** The method's part of the settings page. */
    section(page: PageContext, held: readonly CredentialSummary[], enrollable: boolean): SafeHtml;
    /** The page that sets one up, from what `begin` showed. */
    enrolPage(page: PageContext, enrolment: Enrolment, error?: string): Promise<string> | string;
  };
}

/** What every confirmation method offers the flows. */
export interface ConfirmationMethod<Answer = unknown> {
  readonly id: MethodId;
  /** What people read: a heading on the challenge page, a row on the help desk's page. */
  readonly label: string;
  /**
   * How strongly an answer proves the person (higher is stronger): the challenge page shows the
   * strongest offered method first to someone who has not confirmed with one of them before.
   */
  readonly strength?: number;
  /**
   * Whether it outlasts this sign-in, so that a user declining the mobile prompt still has a way
   * to confirm next time (a temporary code expires; SPEC §1.4).
   */
  readonly lasting: boolean;
  /** Answered with a code the person types: an IdP that shows only a code field can offer it. */
  readonly answeredWithCode: boolean;
  /** The trigger a success is recorded with when it is the method's own (a temporary code). */
  readonly successTrigger?: HistoryTrigger;
  /** SPEC §1.3: whether the policy and what the user holds make it an option now. */
  offered(facts: UserFacts, policy: PolicyDocument): boolean;
  /** What GET /confirm shows about it besides its id. */
  describe(facts: UserFacts): Omit<OfferedMethod, 'id'>;
  /** Methods that send or prepare something first (a code, a WebAuthn challenge). */
  start?(subject: Subject): Promise<Started>;
  /** The answer in a request body, in the method's own shape; undefined when there is none. */
  readAnswer(body: unknown): Answer | undefined;
  /** What to say when the answer is missing. */
  readonly missingAnswer: string;
  verify(subject: Subject, answer: Answer, state?: string): Promise<VerifyResult>;
  readonly view: MethodView;
  readonly credentials?: MethodCredentials;
  /** Files its pages load, by name. */
  readonly assets?: Readonly<Record<string, MethodAsset>>;
}
