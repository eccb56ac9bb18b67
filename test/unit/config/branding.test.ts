/**
 * stepgate.yaml `branding:`: colours written as people write them, and refused, with the ratio
 * and what to do, when they would make the pages fail WCAG 2.2 AA contrast; one logo, not two;
 * a language stepgate has.
 */
import { describe, expect, it } from 'vitest';
import { contrastRatio, formatRatio } from '../../../config/colour.js';
import { checkedConfigSchema } from '../../../config/load.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const BASE = [
  'upstream: { url: http://127.0.0.1:3000 }',
  'session: { secret: a-session-secret-of-at-least-32-characters }',
  'logins: { direct: { users_file: ./users.yaml } }',
];

function check(...lines: string[]) {
  const result = parseYamlText([...BASE, ...lines].join('\n'), 'stepgate.yaml', checkedConfigSchema, {
    env: {},
  });
  return result.ok ? { value: result.value.branding } : { problems: result.problems.map(formatProblem) };
}

describe('branding', () => {
  it('computes contrast as WCAG 2.2 defines it', () => {
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#fff', '#fff')).toBe(1);
    // The pages' own colours: the default accent under white text, the muted text on white.
    expect(contrastRatio('#2450b2', '#ffffff')).toBeGreaterThan(7);
    expect(contrastRatio('#4d5666', '#ffffff')).toBeGreaterThan(4.5);
    // Fields' and buttons' borders against white: 3:1 for non-text contrast (1.4.11).
    expect(contrastRatio('#6b7384', '#ffffff')).toBeGreaterThan(4.5);
    expect(formatRatio(4.499)).toBe('4.49:1');
  });

  it('reads a name, a logo and colours, written #rgb or #rrggbb in any case', () => {
    expect(
      check(
        'branding:',
        '  organisation: Example Org',
        '  logo_url: https://cdn.example.org/logo.svg',
        "  colours: { accent: '#7A1F5C', background: '#fdf' }",
        '  language: fr',
      ),
    ).toEqual({
      value: {
        organisation: 'Example Org',
        logo_url: 'https://cdn.example.org/logo.svg',
        colours: { accent: '#7a1f5c', background: '#ffddff' },
        language: 'fr',
      },
    });
  });

  it('refuses colours the pages would be unreadable in, saying the ratio and which way to go', () => {
    expect(check("branding: { colours: { accent: '#7fb3ff', background: '#333333' } }")).toEqual({
      problems: [
        "stepgate.yaml:4:32: branding.colours.accent: '#7fb3ff' gives white text on buttons a contrast of 2.14:1, below the 4.5:1 that WCAG 2.2 AA asks for: choose a darker colour",
        "stepgate.yaml:4:55: branding.colours.background: '#333333' gives the page text a contrast of 1.24:1, below the 4.5:1 that WCAG 2.2 AA asks for: choose a lighter colour",
      ],
    });
    expect(check("branding: { colours: { accent: 'blue' } }").problems).toEqual([
      expect.stringContaining(
        "branding.colours.accent: must be a colour written '#rrggbb' or '#rgb', such as '#2450b2' but it is 'blue'",
      ),
    ]);
  });

  it('takes one logo, and a language it has', () => {
    expect(
      check('branding: { logo_file: ./logo.svg, logo_url: https://cdn.example.org/logo.svg }').problems,
    ).toEqual([
      expect.stringContaining(
        'branding.logo_url: must not be set together with branding.logo_file: choose one logo',
      ),
    ]);
    expect(check('branding: { language: de }').problems).toEqual([
      expect.stringContaining("branding.language: must be one of 'en', 'fr' but it is 'de'"),
    ]);
  });
});
