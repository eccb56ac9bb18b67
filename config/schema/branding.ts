/**
 * stepgate.yaml `branding:`: whose pages these are (the organisation's name, logo and colours) and
 * the language they speak when the browser asks for none stepgate has. The colours are checked
 * against the WCAG 2.2 AA contrast ratios the pages are built to (docs/pages.md): white text on
 * the accent colour (buttons), the accent on white (links, outlined buttons, the focus ring), and
 * the page's text on the background.
 */
import { z } from 'zod';
import { contrastRatio, formatRatio, HEX_COLOUR, normalizeColour } from '../colour.js';
import { RELATIVE, httpUrl } from './common.js';

/** The page's text colour (gateway/http/html.ts), which the background must carry. */
export const TEXT_COLOUR = '#1d2330';
const WHITE = '#ffffff';
/** WCAG 2.2 AA for text (1.4.3). */
const TEXT_CONTRAST = 4.5;

const colour = z
  .string()
  .regex(HEX_COLOUR, "must be a colour written '#rrggbb' or '#rgb', such as '#2450b2'")
  .transform(normalizeColour);

function checkContrast(
  ctx: z.RefinementCtx<unknown>,
  key: string,
  value: string,
  against: string,
  what: string,
): void {
  // A value that is no colour at all is reported by the key's own check.
  if (!HEX_COLOUR.test(value)) return;
  const ratio = contrastRatio(value, against);
  if (ratio >= TEXT_CONTRAST) return;
  ctx.addIssue({
    code: 'custom',
    path: [key],
    message: `'${value}' gives ${what} a contrast of ${formatRatio(ratio)}, below the ${TEXT_CONTRAST}:1 that WCAG 2.2 AA asks for: choose a ${against === WHITE ? 'darker' : 'lighter'} colour`,
  });
}

const colours = z
  .strictObject({
    accent: colour
      .prefault('#2450b2')
      .describe(
        'Buttons, links and the focus ring. White text on it, and it on white, must contrast at least 4.5:1.',
      ),
    background: colour
      .prefault('#f5f6f8')
      .describe('Behind the page card and the header. The page text on it must contrast at least 4.5:1.'),
  })
  .superRefine((value, ctx) => {
    checkContrast(ctx, 'accent', value.accent, WHITE, 'white text on buttons');
    checkContrast(ctx, 'background', value.background, TEXT_COLOUR, 'the page text');
  })
  .describe("The pages' colours.");

export const brandingSchema = z
  .strictObject({
    organisation: z
      .string()
      .trim()
      .min(1)
      .max(80)
      .optional()
      .describe("The organisation's name, in every page's header and title."),
    logo_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        `An image (SVG, PNG, JPEG, WebP or GIF, at most 512 kB) stepgate serves as the logo in every page's header. ${RELATIVE}`,
      ),
    logo_url: httpUrl
      .optional()
      .describe(
        'The logo as an image at this URL instead of a file (the pages allow images from its origin).',
      ),
    colours: colours.prefault({}),
    language: z
      .enum(['en', 'fr'])
      .prefault('en')
      .describe(
        "The pages' language when the browser's Accept-Language names none stepgate has (English 'en', French 'fr').",
      ),
  })
  .superRefine((value, ctx) => {
    if (value.logo_file !== undefined && value.logo_url !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['logo_url'],
        message: 'must not be set together with branding.logo_file: choose one logo',
      });
    }
  })
  .describe("Whose pages these are: the organisation's name, logo and colours, and the default language.");
