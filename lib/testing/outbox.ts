/**
 * An outbox in memory for tests: given to createStepgate as `sms` and `email`, it keeps every
 * message, and `await outbox.nextCode({ to })` waits for the code a test needs instead of the
 * test polling a file. Messages have the outbox file's shape (SPEC §3).
 */
import type { EmailMessage, EmailSender, SmsMessage, SmsSender } from '../../gateway/ports.js';

export type Channel = 'sms' | 'email';

export interface OutboxMessage {
  /** ISO time from the outbox's clock, when it has one; else the real time. */
  time: string;
  channel: Channel;
  to: string;
  subject?: string;
  body: string;
}

export interface MessageQuery {
  /** The phone number (E.164) or email address the message went to. */
  to: string;
  /** Either channel when absent. */
  channel?: Channel;
  /** How long to wait for it, in real milliseconds; 2000 by default. */
  timeoutMs?: number;
}

/** The code stepgate puts first in every message that carries one (gateway/factors/messages.ts). */
const LEADING_CODE = /^\s*(\d{4,12})\b/;

/** The code a message carries, or undefined for a notice (a new mobile, a temporary code issued). */
export function codeOf(message: Pick<OutboxMessage, 'body'>): string | undefined {
  return LEADING_CODE.exec(message.body)?.[1];
}

interface Waiter {
  matches(message: OutboxMessage): boolean;
  take(): void;
}

export class TestOutbox implements SmsSender, EmailSender {
  /** Every message, oldest first. */
  readonly messages: OutboxMessage[] = [];
  private readonly taken = new WeakSet<OutboxMessage>();
  private readonly waiters = new Set<Waiter>();

  /** `clock` stamps `time`: pass the gateway's test clock to read messages on its time. */
  constructor(private readonly clock: { now(): Date } = { now: () => new Date() }) {}

  async sendSms(message: SmsMessage): Promise<void> {
    this.deliver({
      time: this.clock.now().toISOString(),
      channel: 'sms',
      to: message.to,
      body: message.body,
    });
  }

  async sendEmail(message: EmailMessage): Promise<void> {
    this.deliver({
      time: this.clock.now().toISOString(),
      channel: 'email',
      to: message.to,
      subject: message.subject,
      body: message.text,
    });
  }

  /** The messages to `to` (on `channel`), oldest first, read or not. */
  to(to: string, channel?: Channel): OutboxMessage[] {
    return this.messages.filter((message) => matches(message, { to, channel }));
  }

  /**
   * The next message to `to` not yet returned by nextMessage or nextCode: one already here, or
   * the first to arrive. Rejects after `timeoutMs` naming what the outbox does hold.
   */
  nextMessage(query: MessageQuery): Promise<OutboxMessage> {
    return this.next(query, 'message', (message) => matches(message, query), 'oldest');
  }

  /**
   * The code in the newest code-carrying message to `to` that arrived since the last one taken,
   * waiting for one if none has. Older unread codes to the same place are passed over, as stepgate
   * itself voids them: only the newest code of a kind counts.
   */
  async nextCode(query: MessageQuery): Promise<string> {
    const message = await this.next(
      query,
      'code',
      (each) => matches(each, query) && codeOf(each) !== undefined,
      'newest',
    );
    return codeOf(message) as string;
  }

  /** Forgets every message. */
  clear(): void {
    this.messages.length = 0;
  }

  private deliver(message: OutboxMessage): void {
    this.messages.push(message);
    for (const waiter of this.waiters) {
      if (waiter.matches(message)) {
        waiter.take();
        return;
      }
    }
  }

  private next(
    query: MessageQuery,
    what: string,
    wanted: (message: OutboxMessage) => boolean,
    pick: 'oldest' | 'newest',
  ): Promise<OutboxMessage> {
    const unread = () => this.messages.filter((message) => !this.taken.has(message) && wanted(message));
    const take = (): OutboxMessage | undefined => {
      const found = unread();
      const chosen = pick === 'oldest' ? found[0] : found.at(-1);
      // Taking the newest code passes over the older ones: they are void at stepgate too.
      for (const message of pick === 'oldest' ? found.slice(0, 1) : found) this.taken.add(message);
      return chosen;
    };
    const ready = take();
    if (ready) return Promise.resolve(ready);
    const timeoutMs = query.timeoutMs ?? 2_000;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches: wanted,
        take: () => {
          const message = take();
          if (!message) return;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(this.describeMiss(query, what, timeoutMs)));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private describeMiss(query: MessageQuery, what: string, timeoutMs: number): string {
    const channel = query.channel ?? 'sms or email';
    const held =
      this.messages.length === 0
        ? 'the outbox is empty'
        : `the outbox holds ${this.messages
            .map(
              (message) => `${message.channel} to ${message.to}${this.taken.has(message) ? ' (read)' : ''}`,
            )
            .join(', ')}`;
    return `outbox: no ${what} by ${channel} to ${query.to} arrived within ${timeoutMs} ms; ${held}`;
  }
}

function matches(message: OutboxMessage, query: { to: string; channel?: Channel | undefined }): boolean {
  return message.to === query.to && (query.channel === undefined || message.channel === query.channel);
}
