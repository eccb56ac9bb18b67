/**
 * signIn: the whole sign-in through stepgate's JSON API (SPEC §4, docs/confirmation.md) with a
 * supertest agent: POST /login, the mobile prompt, the challenge, until `next` is "done". Every
 * step that does not answer as expected stops it with the step, the status and stepgate's error.
 */
import { DEFAULT_BASE_PATH, UnexpectedAnswerError, type Agent } from './agent.js';
import type { TestOutbox } from './outbox.js';

/** Who signs in: the password in clear, and where their codes go (for reading them from the outbox). */
export interface TestUser {
  username: string;
  password: string;
  email?: string;
  mobile?: string;
}

/** A method `GET /confirm` offers: its id and, for SMS and email, the masked destination. */
export interface OfferedMethod {
  id: string;
  destination?: string;
}

export interface Answer {
  method: string;
  code: string;
}

/**
 * How to answer the challenge: 'email' or 'sms' (the code read from `outbox`), a method and a code
 * (an authenticator code, a help desk's temporary code), or a function choosing among the offer.
 */
export type ConfirmWith = 'email' | 'sms' | Answer | ((offered: OfferedMethod[]) => Answer | Promise<Answer>);

export interface SignInOptions {
  confirmWith?: ConfirmWith;
  /** Where email and SMS codes are read: the TestOutbox given to createStepgate. */
  outbox?: TestOutbox;
  /** The mobile prompt: declined by default, or a number to register (its SMS code read from `outbox`). */
  mobile?: 'decline' | { register: string };
  /** `server.base_path`; '/_stepgate' by default. */
  basePath?: string;
  returnTo?: string;
}

export interface SignInResult {
  /** Where stepgate sends the browser now: return_to, or '/'. */
  redirect: string;
  /** The method that answered the challenge; absent when none came. */
  confirmedWith?: string;
  /** The stages passed: 'login', then 'register_mobile' and 'confirm' when they came. */
  stages: string[];
}

interface Step {
  next: string;
  redirect: string;
}

class Walk {
  readonly base: string;
  readonly what: string;

  constructor(
    readonly agent: Agent,
    readonly user: TestUser,
    readonly options: SignInOptions,
  ) {
    this.base = options.basePath ?? DEFAULT_BASE_PATH;
    this.what = `signIn(${user.username})`;
  }

  /** A JSON request; anything but 200 stops the sign-in. */
  async call(method: 'get' | 'post', path: string, body?: object): Promise<Record<string, unknown>> {
    const pending = this.agent[method](`${this.base}${path}`).set('Accept', 'application/json');
    const response = await (body === undefined ? pending : pending.send(body));
    if (response.status !== 200) {
      throw new UnexpectedAnswerError(this.what, `${method.toUpperCase()} ${this.base}${path}`, response);
    }
    return response.body as Record<string, unknown>;
  }

  fail(message: string): never {
    throw new Error(`${this.what}: ${message}`);
  }

  async code(channel: 'sms' | 'email', to: string | undefined, why: string): Promise<string> {
    if (!this.options.outbox) this.fail(`${why} needs options.outbox, where the ${channel} code arrives`);
    if (to === undefined) this.fail(`${why} needs the user's ${channel === 'sms' ? 'mobile' : 'email'}`);
    return this.options.outbox.nextCode({ to, channel });
  }

  async mobilePrompt(): Promise<Step> {
    const mobile = this.options.mobile ?? 'decline';
    if (mobile === 'decline') return (await this.call('post', '/mobile/decline', {})) as unknown as Step;
    await this.call('post', '/mobile', { phone: mobile.register });
    const code = await this.code('sms', mobile.register, 'registering a mobile');
    return (await this.call('post', '/mobile/verify', { code })) as unknown as Step;
  }

  async answer(offered: OfferedMethod[]): Promise<Answer> {
    const confirmWith = this.options.confirmWith;
    const ids = offered.map((method) => method.id).join(', ') || 'nothing';
    if (confirmWith === undefined)
      this.fail(`a challenge came (offered: ${ids}) but no confirmWith was given`);
    if (typeof confirmWith === 'function') return confirmWith(offered);
    if (typeof confirmWith === 'object') return confirmWith;
    if (!offered.some((method) => method.id === confirmWith)) {
      this.fail(`'${confirmWith}' is not offered to ${this.user.username} (offered: ${ids})`);
    }
    await this.call('post', '/confirm/send', { method: confirmWith });
    const to = confirmWith === 'sms' ? this.user.mobile : this.user.email;
    return { method: confirmWith, code: await this.code(confirmWith, to, `confirming by ${confirmWith}`) };
  }

  async challenge(): Promise<{ step: Step; method: string }> {
    const { methods } = (await this.call('get', '/confirm')) as { methods: OfferedMethod[] };
    const { method, code } = await this.answer(methods);
    const step = (await this.call('post', '/confirm/verify', { method, code })) as unknown as Step;
    return { step, method };
  }
}

/**
 * Signs `user` in through `agent` (a supertest agent on stepgate's app, so the session cookie is
 * kept) and answers the mobile prompt and the challenge as `options` say. Throws
 * UnexpectedAnswerError, with stepgate's status and `{error, message}`, at the first refusal.
 */
export async function signIn(
  agent: Agent,
  user: TestUser,
  options: SignInOptions = {},
): Promise<SignInResult> {
  const walk = new Walk(agent, user, options);
  const stages = ['login'];
  let step = (await walk.call('post', '/login', {
    username: user.username,
    password: user.password,
    ...(options.returnTo !== undefined && { return_to: options.returnTo }),
  })) as unknown as Step;
  if (step.next === 'register_mobile') {
    stages.push('register_mobile');
    step = await walk.mobilePrompt();
  }
  let confirmedWith: string | undefined;
  if (step.next === 'confirm') {
    stages.push('confirm');
    const answered = await walk.challenge();
    step = answered.step;
    confirmedWith = answered.method;
  }
  if (step.next !== 'done') walk.fail(`the sign-in stopped at '${step.next}'`);
  return { redirect: step.redirect, stages, ...(confirmedWith !== undefined && { confirmedWith }) };
}
