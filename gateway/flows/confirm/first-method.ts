/**
 * Which method the challenge page shows first, as Keycloak and Authelia do: the one this person
 * last confirmed with, when it is offered now, else the strongest one offered (each method
 * declares its `strength`); "Try another way" leads to the others.
 */
import type { ConfirmationMethod } from '../../factors/types.js';
import type { Store } from '../../ports.js';

/** How far back the history is read for the last method used. */
const RECENT_ENTRIES = 50;

/**
 * The method the person last used: the newest success of their own with a method, a challenge or
 * setting one up in the settings (a new passkey is the one they mean to use next). Not a number
 * proved at the mobile prompt (that is registering, not confirming), not a help-desk action.
 */
export async function lastConfirmedWith(store: Store, user: string): Promise<string | undefined> {
  const recent = await store.queryHistory({ user, limit: RECENT_ENTRIES });
  const last = recent.find(
    (entry) =>
      entry.status === 'Succeeded' &&
      entry.triggeredBy !== 'MobileRegistration' &&
      entry.method !== 'none' &&
      !entry.method.startsWith('admin:'),
  );
  return last?.method;
}

export function strongestFirst<M extends Pick<ConfirmationMethod, 'id' | 'strength'>>(
  methods: readonly M[],
): M[] {
  // A stable sort: methods of equal strength keep the registry's order.
  return [...methods].sort((a, b) => (b.strength ?? 0) - (a.strength ?? 0));
}

/** The method to show first among those offered. */
export function firstMethod<M extends Pick<ConfirmationMethod, 'id' | 'strength'>>(
  offered: readonly M[],
  lastUsed: string | undefined,
): M | undefined {
  return offered.find((method) => method.id === lastUsed) ?? strongestFirst(offered)[0];
}
