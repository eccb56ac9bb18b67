/**
 * Colours as the branding section names them (#rgb or #rrggbb), and the WCAG 2.2 contrast ratio
 * between two of them (success criteria 1.4.3 and 1.4.11), so a configured colour that would make
 * the pages unreadable is refused at start-up instead of shipped.
 */

export const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** '#abc' or '#aabbcc' as lower-case '#aabbcc'. */
export function normalizeColour(hex: string): string {
  const digits = hex.slice(1).toLowerCase();
  return `#${digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits}`;
}

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance (WCAG 2.2 definition) of a '#rrggbb' or '#rgb' colour. */
export function luminance(hex: string): number {
  const full = normalizeColour(hex);
  const [r, g, b] = [1, 3, 5].map((at) => channel(parseInt(full.slice(at, at + 2), 16)));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** The contrast ratio of two colours, from 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

/** '4.52:1', rounded down so a ratio just under a threshold never reads as meeting it. */
export function formatRatio(ratio: number): string {
  return `${Math.floor(ratio * 100) / 100}:1`;
}
