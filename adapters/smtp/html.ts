/**
 * The HTML part of a message: the same words as the plain text, escaped, one paragraph per block.
 * Messages with a code put it first (gateway/factors/messages.ts); it is shown large so it stands out.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

const LEADING_CODE = /^(\d{4,10})\b/;
const CODE_STYLE = 'font-size: 1.6em; font-weight: bold; letter-spacing: 0.15em; font-family: monospace';

export function htmlBody(subject: string, text: string): string {
  const paragraphs = text
    .trim()
    .split(/\n\s*\n/)
    .map((block, index) => {
      const escaped = escapeHtml(block.trim()).replace(/\n/g, '<br>\n');
      const shown =
        index === 0 ? escaped.replace(LEADING_CODE, `<span style="${CODE_STYLE}">$1</span>`) : escaped;
      return `<p>${shown}</p>`;
    });
  return [
    '<!doctype html>',
    '<html lang="en">',
    `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222">',
    ...paragraphs,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
