/**
 * The language the command line speaks: STEPGATE_LANGUAGE, else the locale of the shell
 * (LC_ALL, then LC_MESSAGES, then LANG, as POSIX reads them): 'fr', 'fr_FR.UTF-8' or 'fr-CA' is
 * French, anything else English. The CLI answers no request, so without this `t()` gives English.
 * What it writes for programs (the temporary code's line, CSV and JSON history) and its log lines
 * stay as they are.
 */
import { useLanguageOutsideRequests, type Language } from '../gateway/i18n/index.js';

export function cliLanguage(env: NodeJS.ProcessEnv): Language {
  const asked = [env.STEPGATE_LANGUAGE, env.LC_ALL, env.LC_MESSAGES, env.LANG].find(
    (value) => value !== undefined && value.trim() !== '',
  );
  return /^fr(?:[_.@-]|$)/i.test(asked?.trim() ?? '') ? 'fr' : 'en';
}

export function speakCliLanguage(env: NodeJS.ProcessEnv): void {
  useLanguageOutsideRequests(cliLanguage(env));
}
