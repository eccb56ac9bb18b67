/**
 * What a program behind a load balancer does to a real `stepgate serve` process: JSON requests
 * over real sockets with a cookie jar (fetch, not supertest).
 */
import type { StepgateProcess } from './processes.js';

/** A browser's cookie jar reduced to what stepgate sets: name=value, dropped when expired. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = /;\s*max-age=0\b/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A JSON request to one instance with a cookie jar, as an API client behind the load balancer. */
export async function call(
  instance: Pick<StepgateProcess, 'url'>,
  jar: CookieJar,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const cookie = jar.header();
  if (cookie !== '') headers.Cookie = cookie;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${instance.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  jar.take(res);
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}
