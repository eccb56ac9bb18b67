/**
 * English: the complete catalogue, and the reference every other language translates. Where the
 * SPEC gives a sentence (the SMS limit, the lockout), it is here word for word. Keys name where a
 * text is used; `{name}` marks a value filled in; `.one`/`.other` are the forms of a counted text.
 * Split by area so each file stays readable; a key is in exactly one of them.
 */
import { cli } from './cli.js';
import { helpDesk } from './console.js';
import { api } from './api.js';
import { errors } from './errors.js';
import { messages } from './messages.js';
import { pages } from './pages.js';

export const en = { ...errors, ...api, ...pages, ...helpDesk, ...messages, ...cli } as const;

export type MessageKey = keyof typeof en;
