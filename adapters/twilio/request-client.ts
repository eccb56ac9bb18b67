/**
 * The official client's HTTP layer, sending to another origin than Twilio's: a local stand-in of the
 * Messages API in tests, or an egress gateway. Paths, headers and bodies are left as the client made
 * them, so what reaches the other origin is exactly what Twilio would have received.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

export class RebasedRequestClient extends twilio.RequestClient {
  private readonly origin: string;

  /**
   * @param baseUrl replaces `https://api.twilio.com` (or a regional host), e.g. `http://127.0.0.1:4010`
   * @param inner the RequestClient that sends; by default this one, with `options`
   */
  constructor(
    baseUrl: string,
    options: RequestClient.RequestClientOptions = {},
    private readonly inner?: RequestClient,
  ) {
    super(options);
    this.origin = baseUrl.replace(/\/+$/, '');
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = new URL(opts.uri);
    const rebased = { ...opts, uri: `${this.origin}${target.pathname}${target.search}` };
    return this.inner ? this.inner.request(rebased) : super.request(rebased);
  }
}
