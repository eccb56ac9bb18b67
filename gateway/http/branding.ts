/**
 * The organisation's branding (stepgate.yaml `branding:`) as the pages use it: the name in the
 * header and title, the logo (a file stepgate serves, or an image at a URL), and the colours as a
 * style block of their own that the Content-Security-Policy allows by its hash, like the pages'
 * own styles.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Config } from '../../config/schema.js';

export interface Branding {
  organisation?: string | undefined;
  /** Where the pages' `<img>` finds the logo. */
  logoSrc?: string | undefined;
  /** `:root{...}` with the configured colours; absent when they are the defaults. */
  css?: string | undefined;
}

export interface LoadedBranding {
  branding: Branding;
  /** The logo file's bytes and type, served at LOGO_PATH. */
  logo?: { body: Buffer; type: string } | undefined;
  /** For the Content-Security-Policy: the brand style's hash, and where images may come from. */
  styleHashes: string[];
  imageSources: string[];
}

export const LOGO_PATH = '/assets/logo';
const MAX_LOGO_BYTES = 512 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** The hash a Content-Security-Policy allows a style block by. */
export function styleHash(css: string): string {
  return `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
}

/** The colours the pages are drawn with when the config names none (branding.colours' defaults). */
export const DEFAULT_COLOURS = { accent: '#2450b2', background: '#f5f6f8' } as const;

function brandCss(colours: Config['branding']['colours']): string | undefined {
  if (colours.accent === DEFAULT_COLOURS.accent && colours.background === DEFAULT_COLOURS.background) {
    return undefined;
  }
  return `:root{--accent:${colours.accent};--page:${colours.background}}`;
}

async function readLogo(path: string): Promise<{ body: Buffer; type: string }> {
  const type = IMAGE_TYPES[extname(path).toLowerCase()];
  if (!type) {
    throw new Error(
      `branding.logo_file: '${path}' is not an image stepgate serves: use .svg, .png, .jpg, .webp or .gif`,
    );
  }
  const body = await readFile(path);
  if (body.length > MAX_LOGO_BYTES) {
    throw new Error(`branding.logo_file: '${path}' is ${body.length} bytes; a logo may be at most 512 kB`);
  }
  return { body, type };
}

export async function loadBranding(config: Config['branding'], basePath: string): Promise<LoadedBranding> {
  const css = brandCss(config.colours);
  const logo = config.logo_file === undefined ? undefined : await readLogo(config.logo_file);
  const logoSrc = logo ? `${basePath}${LOGO_PATH}` : config.logo_url;
  return {
    branding: { organisation: config.organisation, logoSrc, css },
    logo,
    styleHashes: css ? [styleHash(css)] : [],
    imageSources: logo ? ["'self'"] : config.logo_url ? [new URL(config.logo_url).origin] : [],
  };
}
