/**
 * Server-rendered pages: a tagged template that escapes every interpolation unless it is
 * explicitly marked safe, and one plain, accessible layout. No page has a script, an inline
 * event handler or a style attribute: the Content-Security-Policy allows none.
 */
import { currentLanguage } from '../i18n/index.js';
import { styleHash, type Branding } from './branding.js';
import { currentScope } from './scope.js';

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
 * Content-Security-Policy by their hashes (see security-headers.ts): no 'unsafe-inline'. Drawn
 * to WCAG 2.2 AA (docs/pages.md): text at 4.5:1 or more, the borders of fields and buttons at 3:1
 * or more against white, a focus ring on everything that takes focus, and controls in the page's
 * own font. The organisation's colours (branding.colours) replace --accent and --page.
 */
const BASE_STYLE = `
:root{--accent:#2450b2;--page:#f5f6f8;--text:#1d2330;--muted:#4d5666;--edge:#6b7384}
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:var(--page);color:var(--text)}
header,main{max-width:26rem;margin:0 auto;box-sizing:border-box}
header{display:flex;align-items:center;gap:.75rem;padding:1.5rem 0 .75rem;font-weight:600;font-size:1.1rem}
header img{display:block;max-height:2.5rem;max-width:12rem}
main{margin-bottom:4rem;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
body>main:first-child{margin-top:4rem}
h1{font-size:1.4rem;margin-top:0}
h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
a{color:var(--accent)}
figure{margin:1rem 0}
figure svg{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
button,input,select{font:inherit}
input[type=text],input[type=password],input[type=tel],input[type=email]{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid var(--edge);border-radius:4px;color:var(--text);background:#fff}
button,a.button{display:inline-block;margin-top:1rem;padding:.55rem 1.1rem;border:2px solid var(--accent);border-radius:4px;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button.secondary,a.button.secondary{background:#fff;color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.error{background:#fde8e8;border-left:4px solid #c0262d;padding:.6rem .8rem;margin:1rem 0}
.notice{background:#e8f1fd;border-left:4px solid var(--accent);padding:.6rem .8rem;margin:1rem 0}
.muted{color:var(--muted);font-size:.9rem}
.choices{list-style:none;padding:0;margin:1rem 0}
.choices li{margin:.5rem 0}
.choices a{display:block;padding:.7rem .9rem;border:1px solid var(--edge);border-radius:4px;text-decoration:none;color:var(--text)}
.choices a:hover{border-color:var(--accent)}
.choices strong,.choices span{display:block}
.choices strong{color:var(--accent)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:baseline}
.actions form,.actions p{margin:0}
ul.actions{list-style:none;padding:0}
nav.actions{margin-bottom:1.25rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #dde2ea;vertical-align:top}
td form,td button{margin:0}
td button{white-space:nowrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:1rem 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
`;

/** The help-desk pages: wide tables, and a temporary code shown large. */
const WIDE_STYLE = `
header,main{max-width:64rem}
table{font-size:.95rem}
input[type=number],input[type=date],input[type=datetime-local],select{padding:.5rem;border:1px solid var(--edge);border-radius:4px;background:#fff;color:var(--text)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.filters label{margin:0}
.filters p{margin:0}
.filters select{max-width:16rem}
.filters input[type=text]{width:12rem}
.code{font:700 2.6rem/1.2 ui-monospace,monospace;letter-spacing:.15em;user-select:all;margin:1rem 0}
nav.pages{display:flex;gap:1.5rem;margin:1rem 0}
`;

/** The CSP source of every style block a page may hold: the hash of its exact text. */
export const STYLE_HASHES: readonly string[] = [BASE_STYLE, WIDE_STYLE].map(styleHash);

// Built as a string, not through the template: the text between the tags must be exactly the
// hashed text, with no indentation added by a formatter.
const styleElement = (css: string) => new SafeHtml(`<style>${css}</style>`);

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The help-desk layout: wider, for tables. */
  wide?: boolean;
  /** Scripts served by stepgate that this page loads, each with this response's nonce (allowScripts). */
  scripts?: readonly { src: string; nonce: string }[];
}

/** The organisation's name and logo above the page, when branding names them. */
function brandHeader(branding: Branding): SafeHtml | string {
  const { organisation, logoSrc } = branding;
  if (organisation === undefined && logoSrc === undefined) return '';
  // The organisation's name is written beside it (and in the title): the logo itself is decoration.
  const logo = logoSrc ? html`<img src="${logoSrc}" alt="" />` : '';
  return html`<header>
    ${logo}${organisation === undefined ? '' : html`<span>${organisation}</span>`}
  </header>`;
}

export function page({ title, body, wide = false, scripts = [] }: PageOptions): string {
  const scope = currentScope();
  const branding = scope?.branding ?? {};
  const site = branding.organisation ?? 'stepgate';
  return html`<!doctype html>
    <html lang="${currentLanguage()}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${site}</title>
        ${styleElement(BASE_STYLE)}${wide ? styleElement(WIDE_STYLE) : ''}${branding.css ? styleElement(branding.css) : ''}
        ${scripts.map((script) => html`<script src="${script.src}" nonce="${script.nonce}" defer></script>`)}
      </head>
      <body>
        ${brandHeader(branding)}
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
