/**
 * SMS codes through Twilio Programmable Messaging, with the official client (SPEC §3
 * `notifications.sms.provider: twilio`). A number Twilio says cannot receive the message is a
 * permanent DeliveryError the person can act on; throttling (429), Twilio's own failures (5xx) and
 * network errors are tried again a few times with a short, jittered pause, then reported as
 * transient. The message body carries the code, so it is never logged: only Twilio's error code,
 * the HTTP status and, on success, the message SID.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../../config/schema.js';
import { DeliveryError, type Logger, type SmsMessage, type SmsSender } from '../../gateway/ports.js';
import { Retries, type Failure, type RetryTiming } from '../delivery/retry.js';
import { RebasedRequestClient } from './request-client.js';

export type TwilioConfig = NonNullable<Config['notifications']['sms']['twilio']>;

export interface TwilioSmsOptions extends RetryTiming {
  logger: Logger;
  /** The official client's HTTP layer (a RequestClient or subclass), e.g. to watch requests in tests. */
  httpClient?: RequestClient | undefined;
  /** Sends to this origin instead of https://api.twilio.com, e.g. a local stand-in of the Messages API. */
  baseUrl?: string | undefined;
  /** Per request; default 10 s, so a person waiting for a code is not kept for the client's 30 s. */
  timeoutMs?: number | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Twilio error codes that mean this number cannot get the message, whatever we do. */
const UNREACHABLE_NUMBER: Readonly<Record<number, { code: string; message: string }>> = {
  21211: {
    code: 'invalid_phone',
    message: 'That number cannot receive text messages. Check it or register another.',
  },
  21614: {
    code: 'not_mobile',
    message:
      'That number is not a mobile number, so it cannot receive text messages. Check it or register another.',
  },
  21610: {
    code: 'sms_opted_out',
    message:
      'That number has turned off our text messages (it replied STOP). Reply START to turn them back on, or choose another way to confirm.',
  },
  21408: {
    code: 'country_not_supported',
    message:
      'We cannot send text messages to that country. Register a number from another country, or choose another way to confirm.',
  },
};

export class TwilioSms implements SmsSender {
  private readonly client: ReturnType<typeof twilio>;
  private readonly sender: { from: string } | { messagingServiceSid: string };
  private readonly logger: Logger;
  private readonly retries: Retries;

  constructor(
    private readonly config: TwilioConfig,
    options: TwilioSmsOptions,
  ) {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const httpClient = options.baseUrl
      ? new RebasedRequestClient(options.baseUrl, { timeout }, options.httpClient)
      : options.httpClient;
    // An API key signs in as itself on behalf of the account; the auth token as the account.
    const [username, password] = config.api_key_sid
      ? [config.api_key_sid, config.api_key_secret]
      : [config.account_sid, config.auth_token];
    this.client = twilio(username, password, {
      accountSid: config.account_sid,
      httpClient,
      timeout,
      autoRetry: false,
    });
    if (config.from !== undefined) this.sender = { from: config.from };
    else if (config.messaging_service_sid !== undefined) {
      this.sender = { messagingServiceSid: config.messaging_service_sid };
    } else throw new Error('notifications.sms.twilio needs from or messaging_service_sid');
    this.logger = options.logger;
    this.retries = new Retries(options);
  }

  async sendSms(message: SmsMessage): Promise<void> {
    const params = { to: message.to, body: message.body, ...this.sender };
    await this.retries.run(
      this.config.max_attempts,
      async (attempt) => {
        const sent = await this.client.messages.create(params);
        this.logger.info('sms accepted by twilio', { sid: sent.sid, status: sent.status, attempt });
      },
      (error, attempt) => this.explain(error, attempt),
    );
  }

  /** What a failed try means, logged without the message body (it holds the code) or Twilio's text. */
  private explain(error: unknown, attempt: number): Failure {
    if (error instanceof twilio.RestException) {
      const fields = { twilio_code: error.code, status: error.status, more_info: error.moreInfo, attempt };
      const unreachable = error.code === undefined ? undefined : UNREACHABLE_NUMBER[error.code];
      if (unreachable) {
        this.logger.warn('twilio refused the number', fields);
        return { retry: false, error: new DeliveryError({ permanent: true, ...unreachable, cause: error }) };
      }
      if (error.status === 429 || error.status >= 500) {
        this.logger.warn('twilio failed for now', fields);
        return { retry: true, error: DeliveryError.transient(error) };
      }
      // Bad credentials, a sender that is not ours, a suspended account: an operator has to act.
      this.logger.error('twilio refused the request; check notifications.sms.twilio', fields);
      return { retry: false, error: DeliveryError.transient(error) };
    }
    const code = (error as { code?: unknown } | null)?.code;
    const network = typeof code === 'string' || (error as { isAxiosError?: unknown })?.isAxiosError === true;
    this.logger.warn(network ? 'twilio unreachable' : 'twilio request failed', {
      error: error instanceof Error ? error.message : String(error),
      code: typeof code === 'string' ? code : undefined,
      attempt,
    });
    return { retry: network, error: DeliveryError.transient(error) };
  }
}
