/**
 * `npm run schemas`: writes the JSON Schemas of stepgate.yaml and policy.yaml and the
 * stepgate.yaml reference in docs/, all generated from the zod schemas.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../config/json-schema.js';

const root = new URL('..', import.meta.url);

for (const file of await generatedFiles()) {
  const target = fileURLToPath(new URL(file.path, root));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, file.content);
  process.stdout.write(`wrote ${file.path}\n`);
}
