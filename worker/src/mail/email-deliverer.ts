/**
 * The email channel over the notification outbox: each notification goes to each admin of its
 * tenant known to the product (the users who granted consent), at least once and never twice at
 * the same time. The delivery key becomes the Message-ID, so a resend after a crash is the same
 * message to the receiving side.
 */
import { createHash } from 'node:crypto';
import {
  nextDeliveryAttemptAt,
  notificationDeliveryKey,
  SERVICE_ACCOUNT_PAGE,
  type Notification,
  type NotificationKind,
  type Store,
  type TenantProvisioning,
} from '@cas/core';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

/** A failed SMTP hand-off. */
export class SmtpError extends Error {
  /** SMTP reply code when the server answered, e.g. 451. */
  readonly responseCode: number | undefined;

  constructor(message: string, responseCode: number | undefined, cause?: unknown) {
    super(message, { cause });
    this.name = 'SmtpError';
    this.responseCode = responseCode;
  }
}

/** What the deliverer needs. */
export interface EmailDelivererOptions {
  readonly store: Store;
  /** `smtp://…` of the relay (or the local capture). */
  readonly smtpUrl: string;
  readonly from: string;
  readonly now: () => string;
  readonly logger: Logger;
  /** How long a claimed delivery is ours before another process may retry it. Default 2 min. */
  readonly leaseMs?: number;
}

const SUBJECTS: Readonly<Record<NotificationKind, string>> = {
  serviceProtected: 'Protection is on',
  tokenInvalid: 'Action required: access token invalid',
  tokenRestored: 'Access token valid again',
  extendOffered: 'Extend protection to all your targets',
  scopeExtended: 'Protection extended',
  syncFailed: 'Synchronization failed',
  secretExpiring: 'Application credential expiring',
};

/** The admins to email: each user who granted a consent, from the day of their first grant. */
export function emailRecipients(provisioning: TenantProvisioning): Map<string, string> {
  const since = new Map<string, string>();
  for (const account of Object.values(provisioning.services)) {
    for (const grant of account.consents) {
      if (grant.grantedBy.kind !== 'user') continue;
      const address = grant.grantedBy.userPrincipalName.toLowerCase();
      const earlier = since.get(address);
      if (earlier === undefined || grant.grantedAt < earlier) since.set(address, grant.grantedAt);
    }
  }
  return since;
}

/** Notifications read per recipient per pass. */
const UNDELIVERED_BATCH = 100;

/** When a tenant's wakeup is due again after a pass: the earliest retry it left, if any. */
interface Retry {
  at: string | null;
}

function earliest(retry: Retry, at: string): void {
  if (retry.at === null || at < retry.at) retry.at = at;
}

/** Delivers outbox notifications by email. */
export class EmailDeliverer {
  readonly #options: EmailDelivererOptions;
  readonly #transport: Transporter;

  constructor(options: EmailDelivererOptions) {
    this.#options = options;
    this.#transport = nodemailer.createTransport(options.smtpUrl);
  }

  /**
   * One pass over the tenants woken for email (a new notification, or a retry come due); returns
   * how many messages were sent. With nothing new it is one indexed query, whatever the number of
   * tenants.
   */
  async deliverAll(): Promise<number> {
    const { store } = this.#options;
    let sent = 0;
    for (const wakeup of await store.notificationDeliveries.dueWakeups('email', this.#options.now(), 500)) {
      const retry: Retry = { at: null };
      try {
        sent += await this.#deliverTenant(wakeup.tenantId, retry);
      } catch (error) {
        this.#options.logger.error({ err: error, tenantId: wakeup.tenantId }, 'email delivery pass failed');
        retry.at = this.#later(this.#options.leaseMs ?? 120_000);
      }
      await store.notificationDeliveries.settleWakeup(wakeup.tenantId, 'email', wakeup.version, retry.at);
    }
    return sent;
  }

  /** One pass over a tenant's outbox. */
  async deliverTenant(tenantId: string): Promise<number> {
    return this.#deliverTenant(tenantId, { at: null });
  }

  async #deliverTenant(tenantId: string, retry: Retry): Promise<number> {
    const { store } = this.#options;
    const provisioning = await store.provisioning.get(tenantId);
    if (provisioning === undefined) return 0;
    let sent = 0;
    for (const [recipient, since] of emailRecipients(provisioning)) {
      const now = this.#options.now();
      const due = await store.notificationDeliveries.undelivered(tenantId, 'email', recipient, {
        now,
        since,
        limit: UNDELIVERED_BATCH,
      });
      // More than one batch waits: the next pass continues at once.
      if (due.length === UNDELIVERED_BATCH) earliest(retry, now);
      for (const notification of due) {
        if (await this.#deliver(notification, recipient, retry)) sent += 1;
      }
    }
    return sent;
  }

  #later(ms: number): string {
    return new Date(Date.parse(this.#options.now()) + ms).toISOString();
  }

  async #deliver(notification: Notification, recipient: string, retry: Retry): Promise<boolean> {
    const { store } = this.#options;
    const address = {
      tenantId: notification.tenantId,
      notificationId: notification.id,
      channel: 'email' as const,
      recipient,
    };
    const now = this.#options.now();
    const leaseUntil = new Date(Date.parse(now) + (this.#options.leaseMs ?? 120_000)).toISOString();
    if (!(await store.notificationDeliveries.claim(address, { now, leaseUntil }))) {
      // Another deliverer holds it: look again when its lease ends, in case it died.
      earliest(retry, leaseUntil);
      return false;
    }
    const key = notificationDeliveryKey(address);
    try {
      await this.#send(notification, recipient, key);
      await store.notificationDeliveries.markDelivered(address, this.#options.now());
      return true;
    } catch (error) {
      const attempts =
        (
          await store.notificationDeliveries.list(notification.tenantId, {
            notificationId: notification.id,
            channel: 'email',
          })
        ).find((delivery) => delivery.recipient === recipient)?.attempts ?? 1;
      const at = this.#options.now();
      const message = error instanceof Error ? error.message : String(error);
      const nextAttemptAt = nextDeliveryAttemptAt(attempts, at);
      await store.notificationDeliveries.markFailed(address, {
        at,
        error: message.slice(0, 500),
        nextAttemptAt,
      });
      if (nextAttemptAt !== null) earliest(retry, nextAttemptAt);
      this.#options.logger.warn(
        { err: message, notificationId: notification.id },
        'notification email failed',
      );
      return false;
    }
  }

  async #send(notification: Notification, recipient: string, key: string): Promise<void> {
    const lines = [notification.message];
    if (notification.kind === 'tokenInvalid')
      lines.push('', `Open ${SERVICE_ACCOUNT_PAGE} in the Cloud App Security app in Teams.`);
    lines.push('', 'This message was sent by Cloud App Security to the administrators who provisioned it.');
    try {
      await this.#transport.sendMail({
        from: this.#options.from,
        to: recipient,
        subject: `Cloud App Security: ${SUBJECTS[notification.kind]}`,
        text: lines.join('\n'),
        // The same delivery always carries the same Message-ID: receivers can drop a resend.
        messageId: `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@cloud-app-security>`,
        headers: { 'X-CAS-Delivery-Key': key, 'X-CAS-Notification-Kind': notification.kind },
      });
    } catch (error) {
      const code = (error as { responseCode?: unknown }).responseCode;
      throw new SmtpError(
        `SMTP delivery failed: ${(error as Error).message}`,
        typeof code === 'number' ? code : undefined,
        error,
      );
    }
  }

  /** Closes the SMTP transport. */
  close(): void {
    this.#transport.close();
  }
}
