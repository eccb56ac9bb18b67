import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { substitute } from '../../../config/interpolate.js';
import { formatProblem, parseYamlText } from '../../../config/yaml-loader.js';

const schema = z.strictObject({
  name: z.string().optional(),
  secret: z.string().min(32).optional(),
  list: z.array(z.string()).optional(),
  nested: z.strictObject({ value: z.string() }).optional(),
  count: z.number().optional(),
});

function load(text: string, env: NodeJS.ProcessEnv) {
  const result = parseYamlText(text, 'x.yaml', schema, { env });
  return result.ok ? { value: result.value } : { problems: result.problems.map(formatProblem) };
}

describe('${VAR} interpolation', () => {
  it('replaces a variable that is set, inside a longer string too', () => {
    expect(
      load('name: ${WHO}\nnested: { value: "at ${HOST}:${PORT}" }\n', { WHO: 'gate', HOST: 'h', PORT: '80' }),
    ).toEqual({
      value: { name: 'gate', nested: { value: 'at h:80' } },
    });
  });

  it('uses the default when the variable is unset or empty, and the value when it is set', () => {
    const text = 'list: ["${A:-one}", "${B:-two}", "${C:-}", "${D:-four}"]\n';
    expect(load(text, { B: '', D: 'set' })).toEqual({ value: { list: ['one', 'two', '', 'set'] } });
  });

  it('reports an unset variable without a default at its line, naming it', () => {
    expect(load('name: ok\nnested:\n  value: ${MISSING_ONE}\nlist: [a, "${MISSING_TWO}"]\n', {})).toEqual({
      problems: [
        'x.yaml:3:10: nested.value: environment variable MISSING_ONE is not set',
        'x.yaml:4:11: list[1]: environment variable MISSING_TWO is not set',
      ],
    });
  });

  it('does not add a second problem about the unresolved text', () => {
    expect(load('secret: ${SESSION_SECRET}\n', {})).toEqual({
      problems: ['x.yaml:1:9: secret: environment variable SESSION_SECRET is not set'],
    });
  });

  it('reports a variable and an unrelated problem together', () => {
    expect(load('name: ${NOPE}\ncount: many\n', {})).toEqual({
      problems: [
        'x.yaml:1:7: name: environment variable NOPE is not set',
        "x.yaml:2:8: count: must be a number but it is 'many'",
      ],
    });
  });

  it('turns $${ into a literal ${', () => {
    expect(load('name: "$${NOT_A_VAR} costs $5"\n', {})).toEqual({
      value: { name: '${NOT_A_VAR} costs $5' },
    });
  });

  it('keeps an interpolated value a string and does not read it as YAML', () => {
    expect(load('name: ${V}\n', { V: '[1, 2]: {x' })).toEqual({ value: { name: '[1, 2]: {x' } });
    expect(load('count: ${N}\n', { N: '5' })).toEqual({
      problems: ["x.yaml:1:8: count: must be a number but it is '5'"],
    });
  });

  it('leaves keys and comments alone', () => {
    expect(load('# ${IN_COMMENT}\nname: plain\n', {})).toEqual({ value: { name: 'plain' } });
    const withKey = parseYamlText('${KEY}: 1\n', 'x.yaml', z.record(z.string(), z.number()), {
      env: { KEY: 'k' },
    });
    expect(withKey).toEqual({ ok: true, value: { '${KEY}': 1 } });
  });

  it('refuses malformed references', () => {
    expect(substitute('${}', {}).problems).toEqual([
      "'${}' is not a variable reference like '${NAME}' or '${NAME:-default}'",
    ]);
    expect(substitute('${1X}', {}).problems).toHaveLength(1);
    expect(substitute('${A:-${B}}', { B: 'b' }).problems).toHaveLength(1);
    expect(substitute('abc ${OPEN', {}).problems).toEqual([
      "'${' has no closing '}' (write '$${' for a literal '${')",
    ]);
    expect(substitute('$HOME and $ alone', { HOME: '/root' })).toEqual({
      value: '$HOME and $ alone',
      problems: [],
    });
  });
});
