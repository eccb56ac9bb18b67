/**
 * The command line speaks the operator's language: STEPGATE_LANGUAGE, else LC_ALL, LC_MESSAGES,
 * LANG; French for fr*, English otherwise, and English word for word as the README shows it.
 */
import { describe, expect, it } from 'vitest';
import { cliLanguage } from '../../bin/language.js';
import { runStepgate } from '../helpers/cli.js';

describe("the command line's language", () => {
  it('reads STEPGATE_LANGUAGE first, then the locale as POSIX does', () => {
    expect(cliLanguage({})).toBe('en');
    expect(cliLanguage({ LANG: 'fr_FR.UTF-8' })).toBe('fr');
    expect(cliLanguage({ LANG: 'fr' })).toBe('fr');
    expect(cliLanguage({ LC_ALL: 'fr_CA.UTF-8', LANG: 'en_GB.UTF-8' })).toBe('fr');
    expect(cliLanguage({ LC_ALL: '', LC_MESSAGES: 'en_US.UTF-8', LANG: 'fr_FR.UTF-8' })).toBe('en');
    expect(cliLanguage({ STEPGATE_LANGUAGE: 'en', LANG: 'fr_FR.UTF-8' })).toBe('en');
    expect(cliLanguage({ STEPGATE_LANGUAGE: 'fr', LANG: 'C.UTF-8' })).toBe('fr');
    expect(cliLanguage({ LANG: 'C.UTF-8' })).toBe('en');
    expect(cliLanguage({ LANG: 'frisian' })).toBe('en');
  });

  it('says a mistake in French under a French locale, and in English otherwise', async () => {
    const french = await runStepgate(['admin', 'nope'], {
      env: { STEPGATE_LANGUAGE: '', LANG: 'fr_FR.UTF-8' },
    });
    expect(french.code).toBe(2);
    expect(french.stderr).toBe(
      "stepgate: commande admin inconnue 'nope' (essayez 'stepgate admin --help')\n",
    );

    const english = await runStepgate(['admin', 'nope'], {
      env: { STEPGATE_LANGUAGE: 'en', LANG: 'fr_FR.UTF-8' },
    });
    expect(english.stderr).toBe("stepgate: unknown admin command 'nope' (try 'stepgate admin --help')\n");

    const top = await runStepgate(['nope'], { env: { STEPGATE_LANGUAGE: 'fr' } });
    expect(top.stderr).toBe("stepgate: commande inconnue 'nope' (essayez 'stepgate --help')\n");
  });
});
