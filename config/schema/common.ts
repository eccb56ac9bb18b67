/** Pieces more than one section of stepgate.yaml uses. */
import { z } from 'zod';

/** Relative paths in stepgate.yaml are read from the working directory, not the config file's. */
export const RELATIVE = 'A relative path is relative to the directory stepgate is started from.';

export const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an http:// or https:// URL',
  })
  .meta({ format: 'uri', pattern: '^https?://' });
