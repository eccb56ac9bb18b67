import type { Request } from 'express';
import { errors } from '../errors.js';
import type { SignedInUser } from '../sessions.js';

/** A string field of a JSON or form body; anything else (arrays, objects) counts as absent. */
export function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function requireSignedIn(req: Request): SignedInUser {
  const auth = req.session?.auth;
  if (!auth) throw errors.signInRequired();
  return auth;
}

/** Self-service pages need a session the proxy would forward: signed in and confirmed (or skipped). */
export function requireConfirmed(req: Request): SignedInUser {
  const auth = requireSignedIn(req);
  if (auth.stage !== 'confirmed' && auth.stage !== 'skipped') throw errors.confirmationRequired();
  return auth;
}
