/**
 * Email codes and notices through an SMTP submission server with nodemailer (SPEC §3
 * `notifications.email.provider: smtp`). Each message goes as plain text plus a simple HTML
 * version of the same words. A server that is down or answers 4xx ("try later") is tried again a
 * few times with a short, jittered pause, then reported as transient; a recipient the server
 * refuses for good (5xx to RCPT TO) is a permanent DeliveryError the person can act on. Message
 * contents hold codes, so only SMTP reply codes and commands are logged.
 */
import type { ConnectionOptions } from 'node:tls';
import nodemailer, { type NodemailerError, type Transporter } from 'nodemailer';
import type { Config } from '../../config/schema.js';
import { DeliveryError, type EmailMessage, type EmailSender, type Logger } from '../../gateway/ports.js';
import { Retries, type Failure, type RetryTiming } from '../delivery/retry.js';
import { htmlBody } from './html.js';

export type SmtpConfig = NonNullable<Config['notifications']['email']['smtp']>;

export interface SmtpEmailOptions extends RetryTiming {
  logger: Logger;
  /** Connecting, the greeting and each reply; default 10 s, so a person is not kept waiting long. */
  timeoutMs?: number | undefined;
  /** TLS settings, e.g. a private CA for the server's certificate. */
  tls?: ConnectionOptions | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Failures of the connection itself, worth another try on a new one. */
const CONNECTION_FAILURES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const RECIPIENT_REJECTED = {
  code: 'email_rejected',
  message:
    'Your email address did not accept the message. Ask your help desk to check it, or choose another way to confirm.',
};

export class SmtpEmail implements EmailSender {
  private readonly transport: Transporter;
  private readonly logger: Logger;
  private readonly retries: Retries;

  constructor(
    private readonly config: SmtpConfig,
    options: SmtpEmailOptions,
  ) {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transport = nodemailer.createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      // With implicit TLS there is nothing to upgrade; otherwise STARTTLS is required unless turned off.
      requireTLS: !config.secure && config.require_tls,
      ...(config.user !== undefined && { auth: { user: config.user, pass: config.password ?? '' } }),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(options.tls && { tls: options.tls }),
    });
    this.logger = options.logger;
    this.retries = new Retries(options);
  }

  async sendEmail(message: EmailMessage): Promise<void> {
    const mail = {
      from: this.config.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? htmlBody(message.subject, message.text),
    };
    await this.retries.run(
      this.config.max_attempts,
      async (attempt) => {
        const info = await this.transport.sendMail(mail);
        this.logger.info('email accepted by smtp server', { message_id: info.messageId, attempt });
      },
      (error, attempt) => this.explain(error as NodemailerError, attempt),
    );
  }

  close(): void {
    this.transport.close();
  }

  /** What a failed try means. The server's reply text may repeat the address, so only codes are logged. */
  private explain(error: NodemailerError, attempt: number): Failure {
    const reply = error.responseCode;
    const fields = { smtp_code: reply, command: error.command, code: error.code, attempt };
    if (typeof reply === 'number' && reply >= 400 && reply < 500) {
      this.logger.warn('smtp server deferred the message', fields);
      return { retry: true, error: DeliveryError.transient(error) };
    }
    if (typeof reply === 'number' && reply >= 500 && /^RCPT\b/i.test(error.command ?? '')) {
      this.logger.warn('smtp server refused the recipient', fields);
      return {
        retry: false,
        error: new DeliveryError({ permanent: true, ...RECIPIENT_REJECTED, cause: error }),
      };
    }
    if (typeof reply !== 'number' && CONNECTION_FAILURES.has(error.code ?? '')) {
      this.logger.warn('smtp server unreachable', { ...fields, error: error.message });
      return { retry: true, error: DeliveryError.transient(error) };
    }
    // Credentials, TLS, the sender address or the content refused: an operator has to act.
    this.logger.error('smtp server refused the message; check notifications.email.smtp', fields);
    return { retry: false, error: DeliveryError.transient(error) };
  }
}
