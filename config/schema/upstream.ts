/** stepgate.yaml `upstream:`. */
import { z } from 'zod';
import { duration } from '../duration.js';
import { httpUrl } from './common.js';

export const upstreamSchema = z
  .strictObject({
    url: httpUrl.describe('The application stepgate protects.'),
    public_paths: z
      .array(z.string().startsWith('/', "must start with '/'"))
      .prefault([])
      .describe("Forwarded without sign-in: exact paths, or prefixes when they end with '/' or '/*'."),
    timeout: duration()
      .prefault('30s')
      .describe('How long to wait for the upstream before answering 502/504.'),
  })
  .describe('The application behind stepgate.');
