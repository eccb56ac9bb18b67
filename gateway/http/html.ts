/**
 * Server-rendered pages: a tagged template that escapes every interpolation unless it is
 * explicitly marked safe, and one plain, accessible layout. No page has a script, an inline
 * event handler or a style attribute: the Content-Security-Policy allows none.
 */
import { createHash } from 'node:crypto';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * The pages' styles, inline so every page (an error page too) stands alone, and allowed by the
 * Content-Security-Policy by their hashes (see security-headers.ts): no 'unsafe-inline'.
 */
const BASE_STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}
h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
figure{margin:1rem 0}
figure svg{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password],input[type=tel],input[type=email]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #9aa3b2;border-radius:4px}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#2450b2;color:#fff;cursor:pointer}
a.button{display:inline-block;padding:.6rem 1.2rem;border-radius:4px;background:#2450b2;color:#fff;text-decoration:none}
button.secondary{background:#e4e8ef;color:#1d2330}
.error{background:#fde8e8;border-left:4px solid #c0262d;padding:.6rem .8rem;margin:1rem 0}
.notice{background:#e8f1fd;border-left:4px solid #2450b2;padding:.6rem .8rem;margin:1rem 0}
.muted{color:#5a6473;font-size:.9rem}
`;

/** The help-desk pages: wide tables, and a temporary code shown large. */
const WIDE_STYLE = `
main{max-width:64rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde2ea;vertical-align:top}
td form,td button{margin:0}
input[type=number],select{padding:.5rem;font-size:1rem;border:1px solid #9aa3b2;border-radius:4px}
.code{font:700 2.6rem/1.2 ui-monospace,monospace;letter-spacing:.15em;user-select:all;margin:1rem 0}
`;

/** The CSP source of every style block a page may hold: the hash of its exact text. */
export const STYLE_HASHES: readonly string[] = [BASE_STYLE, WIDE_STYLE].map(
  (css) => `'sha256-${createHash('sha256').update(css).digest('base64')}'`,
);

// Built as a string, not through the template: the text between the tags must be exactly the
// hashed text, with no indentation added by a formatter.
const styleElement = (css: string) => new SafeHtml(`<style>${css}</style>`);

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The help-desk layout: wider, for tables. */
  wide?: boolean;
}

export function page({ title, body, wide = false }: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · stepgate</title>
        ${styleElement(BASE_STYLE)}${wide ? styleElement(WIDE_STYLE) : ''}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.value;
}

/** Hidden CSRF field for every form. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

/**
 * The labelled field for a code, the same on every page that asks for one: a numeric keyboard,
 * the code offered from the incoming message on phones (one-time-code), and spaces allowed so a
 * code copied as '123 456' is accepted.
 */
export function codeField(options: { id: string; label: string; maxLength: number }): SafeHtml {
  return html`<label for="${options.id}">${options.label}</label>
    <input
      type="text"
      id="${options.id}"
      name="code"
      inputmode="numeric"
      autocomplete="one-time-code"
      pattern="[0-9 ]*"
      maxlength="${options.maxLength}"
      required
    />`;
}
