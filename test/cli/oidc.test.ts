/**
 * logins.oidc in the real `stepgate` command: `check --connect` reads the provider's discovery
 * document, and `stepgate serve` signs a person in through a real provider (oidc-provider),
 * though the provider could not be read when it started.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runStepgate } from '../helpers/cli.js';
import { Browser, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.js';
import { startStepgate, writeProcessConfig } from '../helpers/processes.js';
import { deadUpstreamUrl, startEchoUpstream } from '../helpers/upstream.js';

async function provider(): Promise<TestOidcProvider> {
  const idp = await startOidcProvider();
  onTestFinished(() => idp.close());
  return idp;
}

function configFor(issuer: string, upstream = 'url: http://127.0.0.1:3000'): string {
  return writeProcessConfig({
    dir: mkdtempSync(join(tmpdir(), 'stepgate-oidc-')),
    upstream,
    logins: `oidc: { issuer: '${issuer}', client_id: stepgate, client_secret: '\${OIDC_CLIENT_SECRET}' }`,
  });
}

const env = { STEPGATE_PORT: '8080', OIDC_CLIENT_SECRET: 'a-client-secret-for-the-stepgate-tests' };

describe('stepgate check --connect', () => {
  it('reads the discovery document and names the redirect URI to register', async () => {
    const idp = await provider();
    idp.register('http://localhost:8080/_stepgate/oidc/callback');
    const result = await runStepgate(['check', '--connect', '--config', configFor(idp.issuer)], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `logins.oidc: discovered ${idp.issuer}; register http://localhost:8080/_stepgate/oidc/callback as a redirect URI of client 'stepgate'`,
    );
  });

  it('fails with one line when the provider cannot be reached, and does not try without --connect', async () => {
    const issuer = (await deadUpstreamUrl()).replace('127.0.0.1', 'localhost');
    const result = await runStepgate(['check', '--connect', '--config', configFor(issuer)], { env });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`logins.oidc: cannot read the discovery document of ${issuer}: `);
    expect(lines[0]).not.toContain('a-client-secret');

    const offline = await runStepgate(['check', '--config', configFor(issuer)], { env });
    expect(offline.code).toBe(0);
    expect(offline.stdout).not.toContain('discovered');
  });

  it('fails when the document is not the issuer’s own', async () => {
    const idp = await provider();
    idp.register('http://localhost:8080/_stepgate/oidc/callback');
    const result = await runStepgate(
      ['check', '--connect', '--config', configFor(`${idp.issuer}/other-realm`)],
      {
        env,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `logins.oidc: cannot read the discovery document of ${idp.issuer}/other-realm`,
    );
  });
});

describe('stepgate serve with logins.oidc', () => {
  it('starts while the provider cannot be read, then signs a person in through it', async () => {
    const idp = await provider();
    const upstream = await startEchoUpstream();
    onTestFinished(() => upstream.close());
    const gateway = await startStepgate({
      config: configFor(idp.issuer, `url: ${upstream.url}`),
      env: { OIDC_CLIENT_SECRET: env.OIDC_CLIENT_SECRET },
      cwd: process.cwd(),
    });
    onTestFinished(() => gateway.stop());
    // Logged in the background at start: the provider answered 503 (no client registered yet).
    while (!gateway.output().includes('OpenID Connect provider not reachable at start')) await sleep(50);

    const publicUrl = `http://localhost:${gateway.port}`;
    idp.register(`${publicUrl}/_stepgate/oidc/callback`);
    idp.signInAs({ sub: 'ada', email: 'ada@example.org', email_verified: true });
    const browser = new Browser();
    const page = await browser.follow(`${publicUrl}/app`);
    expect(page.text).toContain('Sign in with your identity provider');
    const app = await browser.follow(`${publicUrl}/_stepgate/oidc/login?return_to=%2Fapp`);
    expect(app.status).toBe(200);
    const headers = app.body.headers as Record<string, string>;
    expect(headers['x-stepgate-user']).toBe('ada');
    expect(headers['x-stepgate-login']).toBe('oidc');
    expect(headers['x-stepgate-confirmation']).toBe('skipped');
  });
});
