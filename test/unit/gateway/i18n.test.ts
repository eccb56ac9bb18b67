/**
 * The message catalogue: French has every English key and no other, each text with the same
 * `{values}`; the SPEC's sentences are the English texts word for word; the language is the
 * browser's best match among ours, else the organisation's default; counted texts follow each
 * language's plural rules.
 */
import express, { type Request } from 'express';
import { describe, expect, it } from 'vitest';
import { LOCKED_MESSAGE } from '../../../gateway/factors/lockout.js';
import { RATE_LIMITED_MESSAGE } from '../../../gateway/factors/send-limits.js';
import { runInScope } from '../../../gateway/http/scope.js';
import {
  CATALOGUES,
  LANGUAGES,
  fill,
  negotiateLanguage,
  t,
  tn,
  type Language,
} from '../../../gateway/i18n/index.js';
import { brandingSchema } from '../../../config/schema.js';
import { silentLogger } from '../../../bin/logger.js';

const valuesOf = (text: string) => [...text.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();

function inLanguage<T>(language: Language, run: () => T): T {
  return runInScope(
    { language, branding: {}, logger: silentLogger, basePath: '', redirects: 'http://x' },
    run,
  );
}

/** express's req.acceptsLanguages over a header, as the gateway calls it. */
function acceptsFor(header: string) {
  const req = Object.assign(Object.create(express.request) as Request, {
    headers: { 'accept-language': header },
  });
  return (...languages: string[]) => req.acceptsLanguages(...languages);
}

describe('the message catalogue', () => {
  it('has every English key in every language, and no key English lacks', () => {
    const english = Object.keys(CATALOGUES.en).sort();
    for (const language of LANGUAGES) {
      expect(Object.keys(CATALOGUES[language]).sort(), language).toEqual(english);
    }
  });

  it('gives each translation the same values to fill in as the English text', () => {
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(CATALOGUES.en)) {
        const translated = CATALOGUES[language][key as keyof typeof CATALOGUES.en];
        expect(valuesOf(translated), `${language} ${key}`).toEqual(valuesOf(text));
        expect(translated.trim(), `${language} ${key}`).not.toBe('');
      }
    }
  });

  it("keeps the SPEC's sentences exact in English", () => {
    expect(CATALOGUES.en['error.rate_limited']).toBe(
      'Unable to send you a verification code at this time. You may have attempted too many verifications in the last hour. Try again later.',
    );
    expect(CATALOGUES.en['error.rate_limited']).toBe(RATE_LIMITED_MESSAGE);
    expect(CATALOGUES.en['error.locked']).toBe(
      "You've exceeded the allowed number of attempts. Try again later.",
    );
    expect(CATALOGUES.en['error.locked']).toBe(LOCKED_MESSAGE);
  });

  it('speaks English outside a request, and the language of the request inside one', () => {
    expect(t('login.title')).toBe('Sign in');
    expect(inLanguage('fr', () => t('login.title'))).toBe('Connexion');
    expect(inLanguage('en', () => t('login.with', { name: 'Corp SSO' }))).toBe('Sign in with Corp SSO');
  });

  it("counts by each language's rules: French says 0 and 1 in the singular", () => {
    expect(tn('duration.minutes', 1)).toBe('1 minute');
    expect(tn('duration.minutes', 0)).toBe('0 minutes');
    expect(inLanguage('fr', () => tn('duration.minutes', 0))).toBe('0 minute');
    expect(inLanguage('fr', () => tn('error.invalid_code_left', 2))).toContain('2 tentatives');
  });

  it('leaves a value it was not given in place rather than writing undefined', () => {
    expect(fill('until {time} for {user}', { user: 'alice' })).toBe('until {time} for alice');
  });
});

describe('choosing the language', () => {
  it("takes the browser's best match among ours, a regional variant included", () => {
    expect(negotiateLanguage(acceptsFor('fr-CA,fr;q=0.9,en;q=0.5'), 'en', 'fr-CA,fr;q=0.9,en;q=0.5')).toBe(
      'fr',
    );
    expect(negotiateLanguage(acceptsFor('en;q=0.4,fr'), 'en', 'en;q=0.4,fr')).toBe('fr');
    expect(negotiateLanguage(acceptsFor('en-GB'), 'fr', 'en-GB')).toBe('en');
  });

  it("falls back to the organisation's language when the browser names none of ours, or nothing", () => {
    expect(negotiateLanguage(acceptsFor('de-DE,de'), 'fr', 'de-DE,de')).toBe('fr');
    expect(negotiateLanguage(acceptsFor(''), 'fr', undefined)).toBe('fr');
    expect(negotiateLanguage(acceptsFor('*'), 'fr', '*')).toBe('fr');
  });

  it('offers branding.language exactly the languages the catalogue has', () => {
    const shape = brandingSchema.shape.language.unwrap();
    expect([...shape.options].sort()).toEqual([...LANGUAGES].sort());
  });
});
