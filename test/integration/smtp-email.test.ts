/**
 * SmtpEmail with nodemailer against a real SMTP server (smtp-server, in this process, on loopback):
 * what arrives, which refusals reach the person, and the bounded retries.
 */
import { createServer, type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmtpEmail, type SmtpConfig } from '../../adapters/smtp/email.js';
import { checkedConfigSchema } from '../../config/load.js';
import { formatProblems, parseYamlText } from '../../config/yaml-loader.js';
import { emailCodeMessage } from '../../gateway/factors/messages.js';
import { DeliveryError, type Logger } from '../../gateway/ports.js';

const FROM = 'Sign-in <stepgate@example.org>';
const TO = 'alice@example.com';
const USER = 'stepgate';
const PASSWORD = 'smtp-password';

interface Received {
  mailFrom: string | undefined;
  rcptTo: string[];
  user: string | undefined;
  raw: string;
}

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Recipients starting with 'nobody' are unknown (550); the first `deferrals` RCPTs get 451. */
let smtp: SMTPServer;
let port: number;
let received: Received[];
let rcptCommands: number;
let deferrals: number;
let logger: ReturnType<typeof recordingLogger>;
let pauses: number[];

function smtpReply(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

beforeEach(async () => {
  received = [];
  rcptCommands = 0;
  deferrals = 0;
  logger = recordingLogger();
  pauses = [];
  smtp = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
      callback(smtpReply('Authentication failed', 535));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      rcptCommands++;
      if (address.address.startsWith('nobody')) return callback(smtpReply('No such user here', 550));
      if (deferrals > 0) {
        deferrals--;
        return callback(smtpReply('Mailbox busy, try again later', 451));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({
          mailFrom: mailFrom ? mailFrom.address : undefined,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

function sender(config: Partial<SmtpConfig> = {}): SmtpEmail {
  const full: SmtpConfig = {
    host: '127.0.0.1',
    port,
    secure: false,
    require_tls: false,
    user: USER,
    password: PASSWORD,
    from: FROM,
    max_attempts: 3,
    ...config,
  };
  return new SmtpEmail(full, { logger, timeoutMs: 5_000, sleep: async (ms) => void pauses.push(ms) });
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

/** The decoded parts of a multipart message, by content type, plus its top-level headers; lines end in \n. */
function parseMessage(raw: string): { headers: string; parts: Record<string, string> } {
  const [headers = '', body = ''] = raw.replace(/\r\n/g, '\n').split(/\n\n([\s\S]*)/);
  const boundary = /boundary="?([^";\n]+)"?/i.exec(headers)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const parts: Record<string, string> = {};
  for (const section of body.split(`--${boundary}`).slice(1, -1)) {
    const [partHeaders = '', content = ''] = section.replace(/^\n/, '').split(/\n\n([\s\S]*)/);
    const type = /content-type:\s*([^;\n]+)/i.exec(partHeaders)?.[1] ?? '';
    const quoted = /content-transfer-encoding:\s*quoted-printable/i.test(partHeaders);
    parts[type] = quoted ? decodeQuotedPrintable(content) : content.replace(/\n$/, '');
  }
  return { headers, parts };
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\n/g, '')
    .replace(/\n$/, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

describe('SmtpEmail', () => {
  it('delivers the code as text and HTML, from the configured sender, signed in', async () => {
    await sender().sendEmail(emailCodeMessage(TO, '482913', 10 * 60_000));
    expect(received).toHaveLength(1);
    const [message] = received;
    expect({ mailFrom: message?.mailFrom, rcptTo: message?.rcptTo, user: message?.user }).toEqual({
      mailFrom: 'stepgate@example.org',
      rcptTo: [TO],
      user: USER,
    });
    const { headers, parts } = parseMessage(message?.raw ?? '');
    expect(headers).toMatch(/^Subject: Your verification code$/m);
    expect(headers).toMatch(/^From: "Sign-in" <stepgate@example.org>$/m);
    expect(headers).toMatch(/^To: alice@example.com$/m);
    expect(parts['text/plain']).toMatch(
      /^482913 is your verification code\.\n\nEnter it on the sign-in page/,
    );
    expect(parts['text/html']).toContain('>482913</span> is your verification code.</p>');
  });

  it('escapes the text in the HTML part', async () => {
    await sender().sendEmail({
      to: TO,
      subject: 'Notice',
      text: 'Tom & Jerry <script>alert(1)</script>\n"quoted"',
    });
    const html = parseMessage(received[0]?.raw ?? '').parts['text/html'];
    expect(html).toContain('Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;<br>\n&quot;quoted&quot;');
    expect(html).not.toContain('<script>');
  });

  it('logs without the code', async () => {
    await sender().sendEmail(emailCodeMessage(TO, '482913', 10 * 60_000));
    expect(logger.lines.map((line) => line.message)).toEqual(['email accepted by smtp server']);
    expect(JSON.stringify(logger.lines)).not.toContain('482913');
  });

  it('tries again when the server says to try later (451), and delivers', async () => {
    deferrals = 1;
    await sender().sendEmail(emailCodeMessage(TO, '482913', 10 * 60_000));
    expect(rcptCommands).toBe(2);
    expect(received).toHaveLength(1);
    expect(pauses).toHaveLength(1);
  });

  it('gives up after max_attempts when the server is down, as a transient failure', async () => {
    const error = await rejection(
      sender({ port: await closedPort() }).sendEmail(emailCodeMessage(TO, '482913', 10 * 60_000)),
    );
    expect({ permanent: error.permanent, code: error.code }).toEqual({
      permanent: false,
      code: 'delivery_failed',
    });
    const tries = logger.lines.filter((line) => line.message === 'smtp server unreachable');
    expect(tries.map((line) => line.fields?.attempt)).toEqual([1, 2, 3]);
    expect(pauses).toHaveLength(2);
  });

  it('refuses at once a recipient the server rejects (550), as a permanent failure', async () => {
    const error = await rejection(
      sender().sendEmail(emailCodeMessage('nobody@example.com', '482913', 600_000)),
    );
    expect({ permanent: error.permanent, code: error.code, message: error.message }).toEqual({
      permanent: true,
      code: 'email_rejected',
      message:
        'Your email address did not accept the message. Ask your help desk to check it, or choose another way to confirm.',
    });
    expect(rcptCommands).toBe(1);
    expect(pauses).toEqual([]);
  });

  it.each([
    ['the password is wrong', { password: 'wrong' }],
    ['STARTTLS is required but not offered', { require_tls: true }],
  ])('does not retry when %s, and tells the operator', async (_what, config: Partial<SmtpConfig>) => {
    const error = await rejection(sender(config).sendEmail(emailCodeMessage(TO, '482913', 600_000)));
    expect({ permanent: error.permanent, code: error.code }).toEqual({
      permanent: false,
      code: 'delivery_failed',
    });
    expect(received).toEqual([]);
    expect(pauses).toEqual([]);
    expect(logger.lines.map((line) => line.level)).toEqual(['error']);
  });
});

describe('notifications.email.smtp in stepgate.yaml', () => {
  const base = [
    'upstream: { url: http://127.0.0.1:3000 }',
    'session: { secret: a-session-secret-that-is-long-enough-to-pass }',
    'logins: { direct: { users_file: ./users.yaml } }',
    'notifications:',
    '  email:',
    '    provider: smtp',
  ];
  const check = (lines: string[], env: NodeJS.ProcessEnv = {}) =>
    parseYamlText(lines.join('\n'), 'stepgate.yaml', checkedConfigSchema, { env });

  it('fills the defaults and reads the password from the environment', () => {
    const result = check(
      [
        ...base,
        '    smtp: { host: mail.example.org, user: gw, password: "${SMTP_PASSWORD}", from: gw@example.org }',
      ],
      {
        SMTP_PASSWORD: 'from-env',
      },
    );
    expect(result.ok && result.value.notifications.email.smtp).toEqual({
      host: 'mail.example.org',
      port: 587,
      secure: false,
      require_tls: true,
      user: 'gw',
      password: 'from-env',
      from: 'gw@example.org',
      max_attempts: 3,
    });
  });

  it('requires the smtp block with the provider, and a password with a user, each at its line', () => {
    const missing = check(base);
    expect(missing.ok || formatProblems(missing.problems)).toBe(
      "stepgate.yaml:5:3: notifications.email.smtp: is required when provider is 'smtp'",
    );
    const half = check([
      ...base,
      '    smtp:',
      '      host: mail.example.org',
      '      user: gw',
      '      from: gw@example.org',
    ]);
    expect(half.ok || formatProblems(half.problems)).toBe(
      'stepgate.yaml:7:5: notifications.email.smtp.password: is required when user is set',
    );
  });
});
