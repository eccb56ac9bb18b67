import type { SignedInUser } from '../sessions.js';

export type Next = 'register_mobile' | 'confirm' | 'done';

/** Where a signed-in session goes next, as SPEC §4's `next` value and the page for it. */
export function nextStep(
  basePath: string,
  auth: SignedInUser,
  returnTo: string,
): { next: Next; redirect: string } {
  if (auth.stage === 'registering_mobile') return { next: 'register_mobile', redirect: `${basePath}/mobile` };
  if (auth.stage === 'confirming') return { next: 'confirm', redirect: `${basePath}/confirm` };
  return { next: 'done', redirect: returnTo };
}
