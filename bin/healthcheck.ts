/**
 * `stepgate healthcheck`: asks the gateway this config runs for its liveness, at the address and
 * base path the config says (the Docker image's HEALTHCHECK; any probe that can run a command).
 * Exit 0 when `GET <base_path>/healthz` answers 200, else 1 with one line saying what happened.
 */
import type { Config } from '../config/schema.js';
import { splitListen } from './listen.js';

/** How long to wait for the answer: below the Dockerfile's --timeout, so the reason is printed. */
const TIMEOUT_MS = 4_000;

/** Where a probe beside the process reaches it: a wildcard listen address is reached on loopback. */
export function healthzUrl(server: Pick<Config['server'], 'listen' | 'base_path'>): string {
  const [listenHost, port] = splitListen(server.listen);
  const host =
    listenHost === '0.0.0.0' || listenHost === '' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return `http://${authority}${server.base_path.replace(/\/$/, '')}/healthz`;
}

export async function healthcheck(config: Pick<Config, 'server'>): Promise<{ ok: boolean; line: string }> {
  const url = healthzUrl(config.server);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
    await res.body?.cancel();
    return res.status === 200
      ? { ok: true, line: `healthcheck: ${url} answered 200` }
      : { ok: false, line: `healthcheck: ${url} answered ${res.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, line: `healthcheck: ${url} cannot be reached: ${reason}` };
  }
}
