/**
 * docs/keycloak.md against what it describes: every sidecar exchange it shows (`METHOD /path`,
 * the JSON body, `--> status`, the JSON answer) is held to docs/sidecar-api.yaml, every other
 * JSON block must parse, and every setting of the provider (keycloak/.../StepgateSettings.java)
 * is documented, with no setting in the document that the provider does not have.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OpenApiContract } from '../helpers/openapi.js';

const BASE = '/_stepgate';
const contract = await OpenApiContract.load(new URL('../../docs/sidecar-api.yaml', import.meta.url), BASE);
const doc = readFileSync(new URL('../../docs/keycloak.md', import.meta.url), 'utf8');
const settingsSource = readFileSync(
  new URL('../../keycloak/src/main/java/org/stepgate/keycloak/StepgateSettings.java', import.meta.url),
  'utf8',
);

interface Exchange {
  method: string;
  path: string;
  request?: unknown;
  status: number;
  answer: unknown;
}

const REQUEST_LINE = /^(GET|POST) (\/\S+)$/;
const STATUS_LINE = /^--> (\d{3})$/;

const jsonBlocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

/** The exchanges of one block; throws, naming the line, on anything else in it. */
function exchanges(block: string): Exchange[] {
  const lines = block.split('\n');
  const found: Exchange[] = [];
  let i = 0;
  /** The JSON text from line i up to a request or status line (or the end). */
  const json = (): unknown => {
    const start = i;
    while (i < lines.length && !REQUEST_LINE.test(lines[i] ?? '') && !STATUS_LINE.test(lines[i] ?? ''))
      i += 1;
    const text = lines.slice(start, i).join('\n').trim();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  while (i < lines.length) {
    if ((lines[i] ?? '').trim() === '') {
      i += 1;
      continue;
    }
    const request = REQUEST_LINE.exec(lines[i] ?? '');
    if (!request) throw new Error(`expected 'GET|POST /path' but found: ${lines[i]}`);
    i += 1;
    const body = json();
    const status = STATUS_LINE.exec(lines[i] ?? '');
    if (!status) throw new Error(`${request[0]}: expected '--> STATUS' but found: ${lines[i]}`);
    i += 1;
    found.push({
      method: request[1] ?? '',
      path: request[2] ?? '',
      request: body,
      status: Number(status[1]),
      answer: json(),
    });
  }
  return found;
}

const exchangeBlocks = jsonBlocks.filter((block) => REQUEST_LINE.test(block.split('\n')[0] ?? ''));
const otherBlocks = jsonBlocks.filter((block) => !exchangeBlocks.includes(block));

describe('docs/keycloak.md', () => {
  it('shows sidecar exchanges that docs/sidecar-api.yaml documents, requests and answers', () => {
    const all = exchangeBlocks.flatMap(exchanges);
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const exchange of all) {
      const what = `${exchange.method} ${exchange.path} --> ${exchange.status}`;
      if (exchange.method === 'POST') {
        expect(exchange.request, `${what} shows a body`).toBeDefined();
        contract.checkRequest('post', exchange.path, exchange.request);
      } else {
        expect(exchange.request, `${what} has no body`).toBeUndefined();
      }
      contract.checkAnswer(exchange.method, exchange.path, exchange.status, exchange.answer);
    }
  });

  it('holds only JSON that parses in its other JSON blocks', () => {
    expect(otherBlocks.length).toBeGreaterThan(0);
    for (const block of otherBlocks) expect(() => JSON.parse(block) as unknown, block).not.toThrow();
  });

  it('documents every setting of the provider, and no setting it does not have', () => {
    const keys = [...settingsSource.matchAll(/static final String [A-Z_]+ = "(stepgate\.[a-z_]+)";/g)].map(
      (m) => m[1] ?? '',
    );
    expect(keys.length).toBe(7);
    for (const key of keys) expect(doc, key).toContain(`(\`${key}\`)`);
    const mentioned = new Set([...doc.matchAll(/"(stepgate\.[a-z_]+)":/g)].map((m) => m[1]));
    for (const key of mentioned) expect(keys, `docs/keycloak.md uses ${key}`).toContain(key);
  });
});
