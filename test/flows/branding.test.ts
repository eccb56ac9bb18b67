/**
 * The organisation's branding on every page: its name in the header and title, its logo (a file
 * stepgate serves, or an image at a URL the CSP then allows), its colours in a style block the
 * CSP allows by hash, and its default language for browsers that ask for none stepgate has.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { BASE, flowGateway } from '../helpers/flow.js';

const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18"/></svg>';

async function logoFile(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'stepgate-logo-')), 'logo.svg');
  await writeFile(path, LOGO);
  return path;
}

/** The page without the white space between tags that the templates' formatting leaves. */
const tight = (html: string) => html.replace(/>\s+</g, '><');

const hashOf = (css: string) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`;

describe('branding', () => {
  it("puts the organisation's name, logo and colours on the pages, allowed by the CSP", async () => {
    const gw = await flowGateway({
      config: {
        branding: {
          organisation: 'Example Org',
          logo_file: await logoFile(),
          colours: { accent: '#7a1f5c', background: '#fdf8f2' },
        },
      },
    });
    const page = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
    expect(page.text).toContain('<title>Sign in · Example Org</title>');
    expect(tight(page.text)).toContain(
      `<header><img src="${BASE}/assets/logo" alt="" /><span>Example Org</span></header>`,
    );
    const brand = ':root{--accent:#7a1f5c;--page:#fdf8f2}';
    expect(page.text).toContain(`<style>${brand}</style>`);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain(hashOf(brand));
    expect(csp).toContain("img-src 'self'");

    const logo = await request(gw.app).get(`${BASE}/assets/logo`);
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(logo.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(Buffer.from(logo.body as Buffer).toString()).toBe(LOGO);

    // An error page is branded too.
    const missing = await request(gw.app).get(`${BASE}/nothing-here`).set('Accept', 'text/html');
    expect(missing.text).toContain('<span>Example Org</span>');
  });

  it('allows a logo at a URL from its origin alone, and adds nothing when there is no branding', async () => {
    const gw = await flowGateway({
      config: { branding: { logo_url: 'https://cdn.example.org/brand/logo.png' } },
    });
    const page = await request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
    expect(tight(page.text)).toContain(
      '<header><img src="https://cdn.example.org/brand/logo.png" alt="" /></header>',
    );
    expect(String(page.headers['content-security-policy'])).toContain('img-src https://cdn.example.org');
    expect((await request(gw.app).get(`${BASE}/assets/logo`)).status).toBe(404);

    const plain = await flowGateway();
    const bare = await request(plain.app).get(`${BASE}/login`).set('Accept', 'text/html');
    expect(bare.text).not.toContain('<header>');
    expect(bare.text).toContain('<title>Sign in · stepgate</title>');
    expect(String(bare.headers['content-security-policy'])).not.toContain('img-src');
  });

  it("speaks the organisation's language unless the browser asks for one stepgate has", async () => {
    const gw = await flowGateway({ config: { branding: { language: 'fr' } } });
    const get = (language?: string) => {
      const req = request(gw.app).get(`${BASE}/login`).set('Accept', 'text/html');
      return language === undefined ? req : req.set('Accept-Language', language);
    };
    const fr = await get();
    expect(fr.text).toContain('<html lang="fr">');
    expect(fr.text).toContain('<h1>Connexion</h1>');
    expect(fr.text).toContain('<label for="username">Nom d&#39;utilisateur</label>');
    expect((await get('de-DE, de;q=0.8')).text).toContain('<h1>Connexion</h1>');
    expect((await get('en-GB,en;q=0.9')).text).toContain('<h1>Sign in</h1>');

    // A program's errors follow the same choice; the English sentence stays word for word.
    const wrong = await request(gw.app)
      .post(`${BASE}/login`)
      .set('Accept-Language', 'en')
      .send({ username: 'alice', password: 'nope' });
    expect(wrong.body).toEqual({
      error: 'invalid_credentials',
      message: 'The username or password is incorrect.',
    });
    const faux = await request(gw.app).post(`${BASE}/login`).send({ username: 'alice', password: 'nope' });
    expect(faux.body.message).toBe("Le nom d'utilisateur ou le mot de passe est incorrect.");
  });
});
