/**
 * The help-desk operations (SPEC §1.8, §1.9, §5), one service behind three faces: the CLI (on the
 * store directly, for break-glass), the admin API, and the help-desk pages. Every action is
 * itself written to the verification history: who did what to whom, from where; and the user is
 * told by email of a mobile number or credential removed and of a temporary code issued, through
 * the one notices module (gateway/notices), whichever face acted.
 */
import { GatewayError, errors } from '../errors.js';
import { canonicalUsername } from '../identity.js';
import type { PolicySource } from '../context.js';
import type { CodeHasher } from '../factors/codes.js';
import { credentialJson, credentialSummary, type CredentialJson } from '../factors/credentials.js';
import { maskEmail, maskPhone } from '../factors/mask.js';
import { TEMPORARY_CODE_PURPOSE, newTemporaryCode } from '../factors/temporary-code/index.js';
import { verifiedMobile } from '../flows/confirm/methods.js';
import { isMessageKey, t, tn } from '../i18n/index.js';
import { ChangeNotices, credentialName } from '../notices/index.js';
import type {
  HistoryQuery,
  HistoryStatus,
  HistoryTrigger,
  HistoryVerification,
  Ports,
  RememberedNetwork,
  StoredHistoryEntry,
} from '../ports.js';
import { rememberedNetworkName } from './networks.js';
import { findUser, type KnownUser } from './users.js';

/** Who acts: a help-desk person (page or API session), an API token, or an operator at the CLI. */
export interface Actor {
  name: string;
  via: 'cli' | 'api' | 'page';
  sourceIp: string | null;
}

export type AdminPorts = Pick<Ports, 'store' | 'clock' | 'email' | 'directUsers' | 'directory' | 'logger'>;

export interface UserSummary {
  user: string;
  source: KnownUser['source'];
  active: boolean;
  email: string | null;
  mobile: string | null;
  /** Whether the user holds an authenticator app's credential (kept from before `credentials`). */
  authenticator: boolean;
  /** Every credential the user holds (an authenticator app, passkeys): what it is, never its data. */
  credentials: CredentialJson[];
  temporary_code_expires_at: string | null;
  permission_sets: { from_source: string[]; assigned: string[] };
  activations: number;
}

export interface UserPermissionSets {
  /** From the users file or directory (not changed here). */
  from_source: string[];
  assigned: { permission_set: string; assigned_at: string; assigned_by: string }[];
  /** Every permission set the policy defines. */
  known: string[];
}

const HOUR = 3_600_000;

export class AdminService {
  private readonly notices: ChangeNotices;

  constructor(private readonly deps: { ports: AdminPorts; policy: PolicySource; hasher: CodeHasher }) {
    this.notices = new ChangeNotices(deps.ports);
  }

  private get store() {
    return this.deps.ports.store;
  }

  private now(): Date {
    return this.deps.ports.clock.now();
  }

  async requireUser(username: string): Promise<KnownUser> {
    const user = await findUser(this.deps.ports, username);
    if (!user) throw new GatewayError(404, 'unknown_user', t('error.admin.unknown_user', { user: username }));
    return user;
  }

  /** The user's identity as their source holds it, or the canonical spelling of `username` for someone no longer known. */
  async canonicalName(username: string): Promise<string> {
    return (await findUser(this.deps.ports, username))?.username ?? canonicalUsername(username);
  }

  async summary(username: string): Promise<UserSummary> {
    const user = await this.requireUser(username);
    const [mobile, credentials, temporary, assigned, networks] = await Promise.all([
      verifiedMobile(this.store, user.username, user.sourceMobile),
      this.store.listCredentials(user.username),
      this.store.getActiveTemporaryCode(user.username, this.now()),
      this.store.listPermissionSetAssignments(user.username),
      this.store.listRememberedNetworks(user.username),
    ]);
    return {
      user: user.username,
      source: user.source,
      active: user.active,
      email: user.email ? maskEmail(user.email) : null,
      mobile: mobile ? maskPhone(mobile) : null,
      authenticator: credentials.some((credential) => credential.type === 'authenticator'),
      credentials: credentials.map((record) => credentialJson(credentialSummary(record))),
      temporary_code_expires_at: temporary?.expiresAt.toISOString() ?? null,
      permission_sets: { from_source: user.permissionSets, assigned: assigned.map((a) => a.permissionSet) },
      activations: networks.length,
    };
  }

  /** Lost phone: the next challenge offers email. A number from the users file or directory stays removed until that source changes. */
  async removeMobile(actor: Actor, username: string): Promise<{ removed: boolean }> {
    const user = await this.requireUser(username);
    const current = await verifiedMobile(this.store, user.username, user.sourceMobile);
    const record = await this.store.getMobile(user.username);
    const now = this.now();
    await this.store.saveMobile({
      user: user.username,
      phone: null,
      verifiedAt: null,
      source: 'admin',
      removedSourcePhone: user.sourceMobile ?? record?.removedSourcePhone ?? null,
      updatedAt: now,
    });
    await this.record(
      actor,
      user.username,
      'remove_mobile',
      current ? `removed ${maskPhone(current)}` : 'no mobile to remove',
    );
    if (current) await this.notices.mobileRemoved(user.username, user.email, maskPhone(current));
    return { removed: current !== undefined };
  }

  /** The user's credentials, of every method, oldest first. */
  async credentials(username: string): Promise<CredentialJson[]> {
    const user = await this.requireUser(username);
    return (await this.store.listCredentials(user.username)).map((record) =>
      credentialJson(credentialSummary(record)),
    );
  }

  /**
   * A lost security key or phone app: the credential stops answering challenges at once. The
   * history names what was removed, never its data.
   */
  async removeCredential(actor: Actor, username: string, id: string): Promise<{ removed: CredentialJson }> {
    const user = await this.requireUser(username);
    const found = (await this.store.listCredentials(user.username)).find(
      (credential) => credential.id === id,
    );
    if (!found || !(await this.store.removeCredential(user.username, id))) {
      throw new GatewayError(
        404,
        'unknown_credential',
        t('error.admin.unknown_credential', { user: user.username, id }),
      );
    }
    const what = found.name === null ? found.type : `${found.type} '${found.name}'`;
    await this.record(actor, user.username, 'remove_credential', `removed ${what}`);
    const removed = credentialSummary(found);
    // A plug-in method without a catalogue label is named by its id.
    const key = `method.${removed.method}`;
    const label = isMessageKey(key) ? t(key) : removed.method;
    await this.notices.credentialRemoved(user.username, user.email, credentialName(label, removed.name));
    return { removed: credentialJson(removed) };
  }

  /** Issued for 1–24 whole hours, shown once, one active per user, at most `issue_limit` per hour. */
  async issueTemporaryCode(
    actor: Actor,
    username: string,
    hours: unknown,
  ): Promise<{ code: string; expires_at: string }> {
    if (typeof hours !== 'number' || !Number.isInteger(hours) || hours < 1 || hours > 24) {
      throw errors.badRequest('invalid_hours', t('error.admin.temporary_hours', { hours: String(hours) }));
    }
    const policy = this.deps.policy.current().document;
    if (!policy.methods.temporary_code.enabled) throw errors.forbidden(t('error.admin.temporary_disabled'));
    const user = await this.requireUser(username);
    if (user.source === 'store') {
      throw new GatewayError(404, 'unknown_user', t('error.admin.unknown_user_anywhere', { user: username }));
    }
    if (!user.active)
      throw new GatewayError(409, 'inactive_user', t('error.admin.inactive_user', { user: user.username }));
    const limit = policy.methods.temporary_code.issue_limit;
    const now = this.now();
    const issued = await this.store.countTemporaryCodesIssuedSince(
      user.username,
      new Date(now.getTime() - limit.per),
    );
    if (issued >= limit.count) {
      throw new GatewayError(429, 'rate_limited', tn('error.admin.temporary_limit', limit.count));
    }
    const code = newTemporaryCode();
    const expiresAt = new Date(now.getTime() + hours * HOUR);
    await this.store.issueTemporaryCode({
      user: user.username,
      hash: this.deps.hasher.hash(TEMPORARY_CODE_PURPOSE, user.username, code),
      issuedAt: now,
      expiresAt,
      issuedBy: actor.name,
      expiredAt: null,
    });
    await this.record(actor, user.username, 'issue_temporary_code', `valid ${hours}h`, 'TemporaryCode');
    await this.notices.temporaryCodeIssued(user.username, user.email, expiresAt);
    return { code, expires_at: expiresAt.toISOString() };
  }

  async expireTemporaryCode(actor: Actor, username: string): Promise<{ expired: boolean }> {
    const user = await this.requireUser(username);
    const expired = await this.store.expireTemporaryCode(user.username, this.now());
    await this.record(
      actor,
      user.username,
      'expire_temporary_code',
      expired ? 'expired early' : 'none was active',
      'TemporaryCode',
    );
    return { expired };
  }

  async assignPermissionSet(actor: Actor, username: string, set: string): Promise<{ assigned: string[] }> {
    const user = await this.requireUser(username);
    const name = this.permissionSetName(set);
    await this.store.assignPermissionSet({
      user: user.username,
      permissionSet: name,
      assignedAt: this.now(),
      assignedBy: actor.name,
    });
    await this.record(actor, user.username, 'assign_permission_set', name);
    return {
      assigned: (await this.store.listPermissionSetAssignments(user.username)).map((a) => a.permissionSet),
    };
  }

  async unassignPermissionSet(actor: Actor, username: string, set: string): Promise<{ removed: boolean }> {
    const user = await this.requireUser(username);
    const name = this.permissionSetName(set);
    const removed = await this.store.unassignPermissionSet(user.username, name);
    await this.record(
      actor,
      user.username,
      'unassign_permission_set',
      removed ? name : `${name} (was not assigned)`,
    );
    return { removed };
  }

  async permissionSets(username: string): Promise<UserPermissionSets> {
    const user = await this.requireUser(username);
    const assigned = await this.store.listPermissionSetAssignments(user.username);
    return {
      from_source: user.permissionSets,
      assigned: assigned.map((a) => ({
        permission_set: a.permissionSet,
        assigned_at: a.assignedAt.toISOString(),
        assigned_by: a.assignedBy,
      })),
      known: Object.keys(this.deps.policy.current().document.permission_sets),
    };
  }

  /** Most recently used first. */
  async activations(username: string): Promise<RememberedNetwork[]> {
    const user = await this.requireUser(username);
    const networks = await this.store.listRememberedNetworks(user.username);
    return networks.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
  }

  /**
   * Revokes one remembered network, or all of them: the next sign-in from there is challenged.
   * A network may be given as listed ('203.0.113.7/32') or as an address in it ('203.0.113.7').
   */
  async revokeActivations(actor: Actor, username: string, network?: string): Promise<{ revoked: number }> {
    const user = await this.requireUser(username);
    const canonical =
      network === undefined ? undefined : rememberedNetworkName(network, this.deps.policy.current());
    const revoked = await this.store.revokeRememberedNetworks(user.username, canonical);
    if (canonical !== undefined && revoked === 0) {
      throw new GatewayError(
        404,
        'unknown_network',
        t('error.admin.unknown_network', { user: user.username, network: network ?? '' }),
      );
    }
    await this.record(
      actor,
      user.username,
      'revoke_activations',
      `${canonical ?? 'all networks'} (${revoked} revoked)`,
    );
    return { revoked };
  }

  history(query: HistoryQuery): Promise<StoredHistoryEntry[]> {
    return this.store.queryHistory(query);
  }

  /**
   * Retention: history older than `retentionMs` is deleted, from the start of the chain only, so an
   * older entry written after a newer one waits for it.
   */
  pruneHistory(retentionMs: number): Promise<number> {
    return this.store.pruneHistory(new Date(this.now().getTime() - retentionMs));
  }

  /** `stepgate admin history verify`: the first entry changed, removed or inserted, if any. */
  verifyHistory(): Promise<HistoryVerification> {
    return this.store.verifyHistory();
  }

  /** A help-desk action done outside this service (signing a user out), written to the history like its own. */
  async recordAction(actor: Actor, user: string, action: string, what: string): Promise<void> {
    await this.record(actor, user, action, what);
  }

  private permissionSetName(set: string): string {
    const known = Object.keys(this.deps.policy.current().document.permission_sets);
    const name = known.find((candidate) => candidate.toLowerCase() === set.trim().toLowerCase());
    if (!name) {
      throw errors.badRequest(
        'unknown_permission_set',
        t('error.admin.unknown_set', { set, known: known.join(', ') }),
      );
    }
    return name;
  }

  private record(
    actor: Actor,
    user: string,
    action: string,
    what: string,
    trigger: HistoryTrigger | null = null,
    status: HistoryStatus = 'Succeeded',
  ) {
    return this.store.appendHistory({
      time: this.now(),
      user,
      method: `admin:${action}`,
      status,
      triggeredBy: trigger,
      sourceIp: actor.sourceIp,
      login: null,
      entryPoint: null,
      userAgent: null,
      detail: `${what} — by ${actor.name} via ${actor.via}`,
    });
  }
}
