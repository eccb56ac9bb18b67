/**
 * What the kit needs of an HTTP client: the shape of a supertest agent (`request.agent(app)`),
 * named here so the kit's types do not depend on supertest's.
 */

export interface AgentResponse {
  status: number;
  body: unknown;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface AgentRequest extends PromiseLike<AgentResponse> {
  set(field: string, value: string): AgentRequest;
  send(data: string | object): AgentRequest;
  type(type: string): AgentRequest;
}

/** A supertest agent: it keeps the session cookie from one request to the next. */
export interface Agent {
  get(url: string): AgentRequest;
  post(url: string): AgentRequest;
}

/** An answer the kit did not expect, with the step, the status and stepgate's `{error, message}`. */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  readonly status: number;
  /** stepgate's JSON answer, e.g. `{error: 'rate_limited', message}`. */
  readonly body: unknown;

  constructor(what: string, step: string, response: AgentResponse) {
    const body = response.body as { error?: unknown; message?: unknown } | undefined;
    const said =
      typeof body?.error === 'string'
        ? ` ${body.error}${typeof body.message === 'string' ? `: ${body.message}` : ''}`
        : '';
    super(`${what}: ${step} answered ${response.status}${said}`);
    this.status = response.status;
    this.body = response.body;
  }
}

export const DEFAULT_BASE_PATH = '/_stepgate';
