/**
 * No dead ends: every error page a browser can reach says what happened, links to the next
 * sensible step for where the person is (sign in, confirm, the application, try again), and
 * shows a reference that finds the log line written with it. Back from the challenge to the
 * mobile prompt goes on to the challenge instead of a 401. Programs still get the JSON error.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../gateway/ports.js';
import { BASE, NO_PROMPT, confirmBy, flowGateway, submitForm, type FlowGateway } from '../helpers/flow.js';
import { TEST_PASSWORD, startGateway } from '../helpers/gateway.js';
import { deadUpstreamUrl } from '../helpers/upstream.js';

interface Line {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: Line['level']) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, fields });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** The page's links after "What you can do", as [text, href]. */
function nextSteps(html: string): [string, string][] {
  const list = /<ul class="actions" aria-label="What you can do">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [
    m[2] ?? '',
    (m[1] ?? '').replaceAll('&amp;', '&'),
  ]);
}

function referenceOf(html: string): string | undefined {
  return /Reference: ([0-9A-Z]{4}-[0-9A-Z]{4})\./.exec(html)?.[1];
}

async function browser(gw: FlowGateway) {
  return request.agent(gw.app).set('Accept', 'text/html');
}

describe('error pages', () => {
  it('send a stranger on a page that needs a sign-in to the sign-in page, and come back after', async () => {
    const { logger, lines } = recordingLogger();
    const gw = await flowGateway({ logger });
    const res = await (await browser(gw)).get(`${BASE}/settings`);
    expect(res.status).toBe(401);
    expect(res.text).toContain('<h1>You are not signed in</h1>');
    expect(nextSteps(res.text)).toEqual([
      ['Sign in', `${BASE}/login?return_to=${encodeURIComponent(`${BASE}/settings`)}`],
    ]);
    // The reference is no error code, and it finds the line logged with the error.
    const reference = referenceOf(res.text);
    expect(reference).toBeDefined();
    expect(res.text).not.toContain('sign_in_required');
    expect(lines).toContainEqual({
      level: 'info',
      message: 'request refused',
      fields: expect.objectContaining({
        reference,
        status: 401,
        code: 'sign_in_required',
        path: `${BASE}/settings`,
      }),
    });
  });

  it('send a page that is not there to the application, and say so in French when asked', async () => {
    const gw = await flowGateway();
    const res = await (await browser(gw)).get(`${BASE}/no-such-page`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('<h1>Page not found</h1>');
    expect(nextSteps(res.text)).toEqual([['Go to the application', '/']]);

    const fr = await (await browser(gw)).get(`${BASE}/no-such-page`).set('Accept-Language', 'fr');
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain('<h1>Page introuvable</h1>');
    expect(fr.text).toContain('Il n&#39;y a rien à cette adresse.');
    expect(fr.text).toMatch(/Référence : [0-9A-Z]{4}-[0-9A-Z]{4}\./);
  });

  it('send a signed-in person who is still confirming on to the challenge', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const agent = await browser(gw);
    await agent.post(`${BASE}/login`).type('json').send({ username: 'alice', password: TEST_PASSWORD });
    const res = await agent.get(`${BASE}/settings`);
    expect(res.status).toBe(401);
    expect(res.text).toContain('<h1>Your identity is not confirmed yet</h1>');
    expect(nextSteps(res.text)).toEqual([
      ['Confirm your identity', `${BASE}/confirm`],
      ['Sign out', `${BASE}/logout`],
    ]);
    // The sign-out link asks before it signs out: signing out is a form post with its token.
    const asked = await agent.get(`${BASE}/logout`);
    expect(asked.text).toContain('<h1>Sign out</h1>');
    expect(asked.text).toContain(`href="${BASE}/confirm">Stay signed in</a>`);
    expect((await submitForm(agent, `${BASE}/logout`, `${BASE}/logout`)).text).toContain(
      'You have signed out.',
    );
  });

  it('go back from the challenge to the declined mobile prompt without a dead end', async () => {
    const gw = await flowGateway();
    const agent = await browser(gw);
    await agent.post(`${BASE}/login`).type('json').send({ username: 'alice', password: TEST_PASSWORD });
    const declined = await submitForm(agent, `${BASE}/mobile`, `${BASE}/mobile/decline`);
    expect(declined.headers.location).toBe(`${BASE}/confirm`);
    // Back: the prompt was answered, so the page the browser asks for again moves on.
    const back = await agent.get(`${BASE}/mobile`);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe(`${BASE}/confirm`);
    // A program still learns why it cannot register a number now.
    const json = await agent.get(`${BASE}/mobile`).set('Accept', 'application/json');
    expect(json.status).toBe(401);
    expect(json.body).toEqual({
      error: 'confirmation_required',
      message: 'Confirm your identity to continue.',
    });
  });

  it('offer a confirmed person the application, their settings and a sign-out', async () => {
    const gw = await flowGateway({ policy: NO_PROMPT });
    const agent = await browser(gw);
    await agent
      .post(`${BASE}/login`)
      .type('json')
      .send({ username: 'alice', password: TEST_PASSWORD, return_to: '/reports' });
    await confirmBy(gw, agent, 'email', 'alice@example.com');
    const res = await agent.get(`${BASE}/no-such-page`);
    expect(nextSteps(res.text)).toEqual([
      ['Your sign-in settings', `${BASE}/settings`],
      ['Go to the application', '/reports'],
      ['Sign out', `${BASE}/logout`],
    ]);
  });

  it('say an expired form has expired, and where to start again', async () => {
    const gw = await flowGateway();
    const res = await (
      await browser(gw)
    )
      .post(`${BASE}/login`)
      .type('form')
      .send({ username: 'alice', password: 'x' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('<h1>This form has expired</h1>');
    expect(nextSteps(res.text)).toEqual([['Sign in', `${BASE}/login`]]);
  });

  it('offer to try again when the application does not answer, with the reference in the warning', async () => {
    const { logger, lines } = recordingLogger();
    const gw = await startGateway({
      upstreamUrl: await deadUpstreamUrl(),
      policy: { version: 1, rules: [{ name: 'all', then: 'skip' }] },
      logger,
    });
    try {
      const agent = request.agent(gw.app).set('Accept', 'text/html');
      await agent.post(`${BASE}/login`).type('json').send({ username: 'alice', password: TEST_PASSWORD });
      const res = await agent.get('/reports?week=3');
      expect(res.status).toBe(502);
      expect(res.text).toContain('<h1>Service problem</h1>');
      expect(nextSteps(res.text)[0]).toEqual(['Try again', '/reports?week=3']);
      const reference = referenceOf(res.text);
      expect(lines.filter((l) => l.fields.reference === reference).map((l) => [l.level, l.message])).toEqual([
        ['warn', 'request failed'],
      ]);
      // Programs get the same JSON error as before: no reference field, no page.
      const json = await agent.get('/reports').set('Accept', 'application/json');
      expect(json.body).toEqual({
        error: 'upstream_unavailable',
        message: 'The application behind this gateway is not answering. Try again shortly.',
      });
    } finally {
      await gw.close();
    }
  });
});
