/**
 * The message catalogue: every text a person reads on stepgate's pages, in the errors they are
 * shown and in the codes and notices they are sent, by key, in English (complete, and where the
 * SPEC gives a sentence, that sentence exactly) and in French. A page asks for `t('key')`; the
 * language is the request's (see http/scope.ts), English outside a request.
 *
 * What is not here on purpose: machine-readable parts stay as they are (the JSON `error` codes,
 * config keys, history statuses and triggers as stored, metric names), and log lines stay in
 * English: logs are for operators and their tools, not for the person in front of the page.
 * The command line (bin/) runs outside a request and picks its language from STEPGATE_LANGUAGE,
 * else LC_ALL / LC_MESSAGES / LANG (bin/language.ts).
 *
 * Texts take named values as `{name}`. A text that depends on a number has the forms the
 * language's plural rules name (`.one`, `.other`), picked by `tn`.
 */
import { currentScope } from '../http/scope.js';
import { en, type MessageKey } from './en/index.js';
import { fr } from './fr/index.js';

export type { MessageKey } from './en/index.js';

export const CATALOGUES = { en, fr } as const satisfies Record<string, Record<MessageKey, string>>;

export type Language = keyof typeof CATALOGUES;

export const LANGUAGES = Object.keys(CATALOGUES) as Language[];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && Object.hasOwn(CATALOGUES, value);
}

export type MessageValues = Readonly<Record<string, string | number>>;

/** `text` with each `{name}` replaced by its value; a name without a value stays as it is. */
export function fill(text: string, values: MessageValues = {}): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

export function translate(language: Language, key: MessageKey, values?: MessageValues): string {
  return fill(CATALOGUES[language][key], values);
}

/** Whether `key` names a text (for keys made from data: a status, a help-desk action). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

let outsideRequests: Language = 'en';

/**
 * The language of texts made outside a request: English for the gateway, whose background work
 * writes for operators; the command line sets the operator's own (bin/language.ts).
 */
export function useLanguageOutsideRequests(language: Language): void {
  outsideRequests = language;
}

/** The language of the request being answered; outside one, English unless the CLI chose. */
export function currentLanguage(): Language {
  return currentScope()?.language ?? outsideRequests;
}

/** The text under `key` in the current request's language. */
export function t(key: MessageKey, values?: MessageValues): string {
  return translate(currentLanguage(), key, values);
}

/** Keys whose text depends on a count: `<key>.one` and `<key>.other` both exist. */
type PluralKey = {
  [K in MessageKey]: K extends `${infer Stem}.one`
    ? `${Stem}.other` extends MessageKey
      ? Stem
      : never
    : never;
}[MessageKey];

/** The form of `key` for `count` under the language's plural rules (French counts 0 as one). */
export function tn(key: PluralKey, count: number, values: MessageValues = {}): string {
  const language = currentLanguage();
  const form = new Intl.PluralRules(language).select(count) === 'one' ? 'one' : 'other';
  return translate(language, `${key}.${form}` as MessageKey, { count, ...values });
}

/**
 * The language for a request: the best of ours by the browser's Accept-Language, else the
 * organisation's default. `accepts` is express's req.acceptsLanguages, which reads the
 * quality values and matches 'fr-CA' to 'fr'.
 */
export function negotiateLanguage(
  accepts: (...languages: string[]) => string | false,
  fallback: Language,
  header: string | undefined,
): Language {
  if (header === undefined || header.trim() === '') return fallback;
  const others = LANGUAGES.filter((language) => language !== fallback);
  const chosen = accepts(fallback, ...others);
  return isLanguage(chosen) ? chosen : fallback;
}
