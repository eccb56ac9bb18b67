/**
 * Which PostgreSQL failures mean "the database cannot answer" (503 store_unavailable, like a
 * Redis outage) rather than a defect (500): no connection, a connection lost, a server shutting
 * down or out of connections, a query or a new connection that took longer than
 * store.query_timeout. Decided on SQLSTATE classes and system error codes; node-postgres's own
 * connection and timeout errors carry neither, so an error with no SQLSTATE that is not a
 * programming error counts as unavailability too.
 */
import { isGatewayError } from '../../gateway/errors.js';
import { StoreUnavailableError } from '../../gateway/ports.js';

/** 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown, cancel). */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

export function isUnavailability(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  // A refusal of the core's own (verifying the history without its key) is not the database's failure.
  if (isGatewayError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  return true;
}

/**
 * The store with every method's failure read: unavailability becomes StoreUnavailableError (its
 * cause kept for the log), anything else is thrown as it came.
 */
export function reportUnavailability<T extends object>(store: T): T {
  // One wrapper per method, made on first use: not a new closure on every call.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      let wrapper = wrapped.get(property);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]) => {
          try {
            const result: unknown = Reflect.apply(value, target, args);
            return result instanceof Promise ? result.catch(rethrow) : result;
          } catch (error) {
            return rethrow(error);
          }
        };
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

function rethrow(error: unknown): never {
  if (isUnavailability(error) && !(error instanceof StoreUnavailableError)) {
    throw new StoreUnavailableError('PostgreSQL', { cause: error });
  }
  throw error;
}
