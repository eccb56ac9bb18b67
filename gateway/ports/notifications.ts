/**
 * The ports that reach people: SMS and email senders, and the error they report when they cannot
 * deliver. Re-exported by gateway/ports.ts.
 */

export interface SmsMessage {
  to: string;
  body: string;
}

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
}

/** Approximate places of addresses, from a GeoIP database (adapters/geoip); for notices only. */
export interface PlaceLookup {
  /** 'Lyon, France'; undefined when the database does not know the address. */
  placeOf(ip: string): Promise<string | undefined>;
}

export interface SmsSender {
  sendSms(message: SmsMessage): Promise<void>;
}

export interface EmailSender {
  sendEmail(message: EmailMessage): Promise<void>;
}

/** What a person reads when a provider keeps failing; the challenge stays open so they can retry. */
export const DELIVERY_FAILED_MESSAGE =
  'We could not send the code just now. Try again in a moment, or choose another way to confirm.';

/**
 * Thrown by an SmsSender or EmailSender that could not deliver, after its own retries.
 * `permanent`: the destination itself cannot receive (an invalid number, a rejected address), so
 * trying again will not help and the person must use another number or method; the answer is 400
 * with `code` and `message`, written for that person. Otherwise the provider is failing for now
 * (or is misconfigured): the answer is 503 `delivery_failed` and the detail stays in the log.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  readonly permanent: boolean;
  /** Stable, e.g. `invalid_phone`, `email_rejected`, `delivery_failed`. */
  readonly code: string;

  constructor(options: { permanent: boolean; code?: string; message?: string; cause?: unknown }) {
    super(options.message ?? DELIVERY_FAILED_MESSAGE, { cause: options.cause });
    this.permanent = options.permanent;
    this.code = options.code ?? 'delivery_failed';
  }

  /** The provider could not take the message now; worth trying again later. */
  static transient(cause?: unknown): DeliveryError {
    return new DeliveryError({ permanent: false, cause });
  }
}
