/**
 * French: every key of the English catalogue (en/), which each part's type requires, with the
 * same `{name}` values (test/unit/gateway/i18n.test.ts). Chosen by Accept-Language, by
 * branding.language, or for the CLI by STEPGATE_LANGUAGE / LANG.
 */
import type { MessageKey } from '../en/index.js';
import { cli } from './cli.js';
import { helpDesk } from './console.js';
import { api } from './api.js';
import { errors } from './errors.js';
import { messages } from './messages.js';
import { pages } from './pages.js';

export const fr: Record<MessageKey, string> = {
  ...errors,
  ...api,
  ...pages,
  ...helpDesk,
  ...messages,
  ...cli,
};
