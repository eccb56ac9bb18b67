import type { Request } from 'express';

/**
 * API clients get JSON, browsers get pages (SPEC §4): a request that asks for JSON, says it is
 * XHR, or sends JSON is answered in JSON.
 */
export function wantsJson(req: Request): boolean {
  if (req.get('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return true;
  if (req.is('application/json')) return true;
  const accepts = req.accepts(['html', 'json']);
  return accepts === 'json';
}
