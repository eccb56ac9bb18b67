/**
 * The outbox notifier (SPEC §3): instead of sending, append one JSON object per line to a file,
 * `{time, channel, to, subject?, body}`. It is how the demo and the tests read their codes.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock, EmailMessage, EmailSender, SmsMessage, SmsSender } from '../../gateway/ports.js';

export interface OutboxEntry {
  time: string;
  channel: 'sms' | 'email';
  to: string;
  subject?: string;
  body: string;
}

export class Outbox implements SmsSender, EmailSender {
  private ready: Promise<unknown> | undefined;
  /** Appends are chained so lines never interleave, even under concurrent sends. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly clock: Clock,
  ) {}

  sendSms(message: SmsMessage): Promise<void> {
    return this.append({
      time: this.clock.now().toISOString(),
      channel: 'sms',
      to: message.to,
      body: message.body,
    });
  }

  sendEmail(message: EmailMessage): Promise<void> {
    return this.append({
      time: this.clock.now().toISOString(),
      channel: 'email',
      to: message.to,
      subject: message.subject,
      body: message.text,
    });
  }

  private append(entry: OutboxEntry): Promise<void> {
    this.ready ??= mkdir(dirname(this.path), { recursive: true });
    const line = `${JSON.stringify(entry)}\n`;
    const write = this.tail.then(async () => {
      await this.ready;
      await appendFile(this.path, line, { encoding: 'utf8', mode: 0o600 });
    });
    this.tail = write.catch(() => undefined);
    return write;
  }
}
