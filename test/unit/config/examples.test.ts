import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config/load.js';
import { formatProblem } from '../../../config/yaml-loader.js';

const ENV = {
  STEPGATE_REDIS_URL: 'redis://127.0.0.1:6379',
  STEPGATE_SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
  STEPGATE_DATABASE_URL: 'postgres://stepgate@127.0.0.1/stepgate',
  STEPGATE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'twilio-auth-token',
  TWILIO_MESSAGING_SERVICE_SID: `MG${'0'.repeat(32)}`,
  SMTP_PASSWORD: 'smtp-password',
  STEPGATE_ADMIN_TOKEN: 'an-admin-token-of-at-least-32-characters',
  STEPGATE_SIDECAR_TOKEN: 'a-sidecar-token-of-at-least-32-characters',
};

describe('the production example in the README', () => {
  it('is a valid stepgate.yaml for Redis, PostgreSQL, Twilio and SMTP', async () => {
    const result = await loadConfig('config/stepgate.production.yaml', ENV);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
    if (!result.ok) return;
    expect(result.value.session.store).toBe('redis');
    expect(result.value.store.type).toBe('postgres');
    expect(result.value.notifications.sms.provider).toBe('twilio');
    expect(result.value.notifications.email.provider).toBe('smtp');
  });
});
