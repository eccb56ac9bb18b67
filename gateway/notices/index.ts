/**
 * Account notices: the one place that decides whether to tell a person about a change to how
 * their account is reached, and sends it, always by email (never by SMS: a notice must not go to
 * the phone an attacker may have just added, and must not cost a text). Sent:
 *
 * - after a challenge passes on a network the user had not confirmed before, unless the policy
 *   rule that asked for it says `notify: false`: when, the network, the approximate place (with a
 *   GeoIP database), the method, and a one-click link that revokes the network (revoke-link.ts);
 * - when a mobile number is added or removed, a credential (an authenticator app, a passkey) is
 *   set up or removed, or a help desk issues a temporary code (ChangeNotices: all they need is
 *   the email sender, so the help-desk service, and the break-glass CLI through it, send them too).
 *
 * Nothing else sends a notice. A notice that cannot be delivered is logged; it never undoes what
 * it reports.
 */
import type { CompiledPolicy } from '../../policies/compile.js';
import { t } from '../i18n/index.js';
import { formatUtc } from '../i18n/time.js';
import type { Clock, EmailMessage, EmailSender, Logger, PlaceLookup } from '../ports.js';
import type { RevokeLinks } from './revoke-link.js';

export { RevokeLinks, REVOKE_LINK_LIFETIME_MS } from './revoke-link.js';

export interface NewNetworkSignIn {
  user: string;
  email: string | undefined;
  /** The remembered network, as the store keys it (`203.0.113.7/32`). */
  network: string;
  sourceIp: string;
  /** The label of the method that passed the challenge. */
  method: string;
  /** The name of the policy rule that asked for the challenge. */
  rule: string;
}

/** A credential as a notice names it: its method's label, and the name its owner gave it. */
export function credentialName(label: string, name: string | null | undefined): string {
  return name ? `${label} '${name}'` : label;
}

type ChangeKey =
  | 'message.new_mobile'
  | 'message.mobile_removed'
  | 'message.credential_added'
  | 'message.credential_removed'
  | 'message.temporary_code';

/** Changes to how an account is confirmed, told to its owner by email. */
export class ChangeNotices {
  constructor(protected readonly base: { email: EmailSender; logger: Logger }) {}

  mobileAdded(user: string, email: string | undefined, maskedPhone: string): Promise<void> {
    return this.changed(user, email, 'message.new_mobile', { mobile: maskedPhone });
  }

  mobileRemoved(user: string, email: string | undefined, maskedPhone: string): Promise<void> {
    return this.changed(user, email, 'message.mobile_removed', { mobile: maskedPhone });
  }

  /** `method`: what was set up, as credentialName() words it. */
  credentialAdded(user: string, email: string | undefined, method: string): Promise<void> {
    return this.changed(user, email, 'message.credential_added', { method });
  }

  credentialRemoved(user: string, email: string | undefined, method: string): Promise<void> {
    return this.changed(user, email, 'message.credential_removed', { method });
  }

  temporaryCodeIssued(user: string, email: string | undefined, expiresAt: Date): Promise<void> {
    return this.changed(user, email, 'message.temporary_code', { time: formatUtc(expiresAt) });
  }

  private async changed(
    user: string,
    email: string | undefined,
    key: ChangeKey,
    values: Record<string, string>,
  ): Promise<void> {
    if (!email) return;
    await this.deliver(user, key, {
      to: email,
      subject: t(`${key}.subject`),
      text: t(`${key}.body`, values),
    });
  }

  protected async deliver(user: string, what: string, message: EmailMessage): Promise<void> {
    try {
      await this.base.email.sendEmail(message);
    } catch (error) {
      this.base.logger.warn('account notice not delivered', {
        user,
        notice: what,
        error: (error as Error).message,
      });
    }
  }
}

/** Every notice: the changes, and a sign-in from a new network with its revoke link and place. */
export class AccountNotices extends ChangeNotices {
  readonly links: RevokeLinks;

  constructor(
    private readonly deps: {
      email: EmailSender;
      logger: Logger;
      clock: Clock;
      policy: { current(): CompiledPolicy };
      places?: PlaceLookup | undefined;
      links: RevokeLinks;
      /** The absolute URL of stepgate's own pages: `public_url` + `base_path`. */
      pagesUrl: string;
    },
  ) {
    super(deps);
    this.links = deps.links;
  }

  /** Whether the rule that decided this sign-in lets it be notified (`notify`, true by default). */
  private ruleNotifies(rule: string): boolean {
    const found = this.deps.policy.current().document.rules.find((each) => each.name === rule);
    return found?.notify !== false;
  }

  async newNetwork(signIn: NewNetworkSignIn): Promise<void> {
    if (!signIn.email || !this.ruleNotifies(signIn.rule)) return;
    const now = this.deps.clock.now();
    const token = this.links.issue(signIn.user, signIn.network);
    const link = `${this.deps.pagesUrl}/networks/revoke?token=${encodeURIComponent(token)}`;
    const place = await this.placeOf(signIn.sourceIp);
    await this.deliver(signIn.user, 'new network', {
      to: signIn.email,
      subject: t('message.new_network.subject'),
      text: t('message.new_network.body', {
        time: formatUtc(now),
        network: signIn.network,
        place: place === undefined ? '' : t('message.new_network.place', { place }),
        method: signIn.method,
        link,
      }),
    });
  }

  /** A GeoIP database that fails is a notice without a place, never no notice. */
  private async placeOf(ip: string): Promise<string | undefined> {
    if (!this.deps.places) return undefined;
    try {
      return await this.deps.places.placeOf(ip);
    } catch (error) {
      this.deps.logger.warn('GeoIP lookup failed', { error: (error as Error).message });
      return undefined;
    }
  }
}
