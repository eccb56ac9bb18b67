/**
 * GET /metrics (SPEC §4): what the gateway did, in Prometheus's text format, for a scraper on the
 * operators' network. Counters only, and no label holds a user, an address or a number: the
 * history (SPEC §5) is where individual attempts are, and it stays behind the help-desk API.
 *
 * - `stepgate_history_entries_total{method,status}`: every entry this gateway wrote to the
 *   history (codes sent, answers right and wrong, limits, lockouts, skipped confirmations,
 *   self-service and help-desk actions), by the history's own method and status names;
 * - `stepgate_sms_refused_total{reason}`: SMS the pumping guard would not send, by why (a budget
 *   spent, a premium-rate or unassigned number; docs/sms-pumping.md), for an alert on toll fraud;
 * - `stepgate_proxied_requests_total`: requests and WebSocket upgrades forwarded to the upstream;
 * - `stepgate_upstream_failures_total`: of those, the ones that failed on the way (the upstream
 *   unreachable or too slow: a 502, or a cut-off response once it had begun);
 * - `stepgate_session_store_failures_total`: requests whose session the session store could not
 *   give (Redis down or hung; the client got 503);
 * - with `processMetrics`, prom-client's standard process and Node.js metrics (CPU, memory, event
 *   loop delay, garbage collection), under their usual names.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { HistoryEntry, Store } from './ports.js';
import { SMS_REFUSAL_REASONS, type SmsRefusalReason } from './factors/sms/guard.js';

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly historyEntries: Counter<'method' | 'status'>;
  private readonly smsRefusals: Counter<'reason'>;
  private readonly proxied: Counter;
  private readonly upstreamFailures: Counter;
  private readonly sessionStoreFailures: Counter;

  /**
   * `processMetrics` adds the process's own metrics. Only one gateway per process should ask for
   * them (`serve` does): each registration starts its own event-loop and GC observers.
   */
  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.historyEntries = new Counter({
      name: 'stepgate_history_entries_total',
      help: 'Entries written to the verification history, by method and status.',
      labelNames: ['method', 'status'],
      registers,
    });
    this.smsRefusals = new Counter({
      name: 'stepgate_sms_refused_total',
      help: 'SMS the pumping guard refused to send, by reason.',
      labelNames: ['reason'],
      registers,
    });
    // Every reason from the start at 0, so an alert's rate() sees the first refusal.
    for (const reason of SMS_REFUSAL_REASONS) this.smsRefusals.inc({ reason }, 0);
    this.proxied = new Counter({
      name: 'stepgate_proxied_requests_total',
      help: 'Requests and WebSocket upgrades forwarded to the upstream.',
      registers,
    });
    this.upstreamFailures = new Counter({
      name: 'stepgate_upstream_failures_total',
      help: 'Forwarded requests that failed on the way to or from the upstream (502 or cut off).',
      registers,
    });
    this.sessionStoreFailures = new Counter({
      name: 'stepgate_session_store_failures_total',
      help: 'Requests answered 503 because the session store could not give their session.',
      registers,
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  historyEntry(entry: Pick<HistoryEntry, 'method' | 'status'>): void {
    this.historyEntries.inc({ method: entry.method, status: entry.status });
  }

  smsRefused(reason: SmsRefusalReason): void {
    this.smsRefusals.inc({ reason });
  }

  proxiedRequest(): void {
    this.proxied.inc();
  }

  upstreamFailure(): void {
    this.upstreamFailures.inc();
  }

  sessionStoreFailure(): void {
    this.sessionStoreFailures.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * `store`, with every history entry it writes counted in `metrics` once written. Every other
 * method is the store's own, called on the store itself (whatever its class keeps private).
 */
export function countingHistory(store: Store, metrics: GatewayMetrics): Store {
  const appendHistory: Store['appendHistory'] = async (entry) => {
    await store.appendHistory(entry);
    metrics.historyEntry(entry);
  };
  // By the function itself, so a method replaced on the store (as tests do) is the one called.
  const bound = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendHistory') return appendHistory;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(value);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(value, method);
      }
      return method;
    },
  });
}
