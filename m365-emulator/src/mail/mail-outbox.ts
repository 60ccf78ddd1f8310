/**
 * Captured mail: `sendMail` never leaves the emulator; messages are kept per tenant so tests and
 * the control API can read what the product would have sent.
 */

/** One message as `POST /users/{id}/sendMail` received it. */
export interface CapturedMail {
  /** Capture id (sequence within the process). */
  readonly id: string;
  readonly tenantId: string;
  /** Sender UPN (the mailbox in the URL). */
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly body: { readonly contentType: 'Text' | 'HTML'; readonly content: string };
  readonly saveToSentItems: boolean;
  /** ISO 8601 capture time. */
  readonly sentDateTime: string;
  /** Client application that sent it. */
  readonly appId: string;
}

/** In-memory outbox of every tenant. */
export interface MailOutbox {
  /** Stores a message (the Graph handler calls it). */
  capture(mail: Omit<CapturedMail, 'id' | 'sentDateTime'>): CapturedMail;
  /** Messages of a tenant, oldest first. */
  list(tenantId: string): CapturedMail[];
  /** Drops a tenant's messages; returns how many were dropped. */
  clear(tenantId: string): number;
  /** Drops every tenant's messages. */
  clearAll(): void;
}

/** Creates an empty outbox; `now` is injectable for tests. */
export function createMailOutbox(options: { now?: () => number; maxPerTenant?: number } = {}): MailOutbox {
  const now = options.now ?? Date.now;
  const maxPerTenant = options.maxPerTenant ?? 10_000;
  const byTenant = new Map<string, CapturedMail[]>();
  let sequence = 0;
  return {
    capture(mail) {
      sequence += 1;
      const captured: CapturedMail = {
        ...mail,
        id: String(sequence),
        sentDateTime: new Date(now()).toISOString(),
      };
      const key = mail.tenantId.toLowerCase();
      const list = byTenant.get(key) ?? [];
      list.push(captured);
      // Bounded so a runaway sender cannot exhaust memory; the oldest go first.
      if (list.length > maxPerTenant) list.splice(0, list.length - maxPerTenant);
      byTenant.set(key, list);
      return captured;
    },
    list: (tenantId) => [...(byTenant.get(tenantId.toLowerCase()) ?? [])],
    clear(tenantId) {
      const key = tenantId.toLowerCase();
      const count = byTenant.get(key)?.length ?? 0;
      byTenant.delete(key);
      return count;
    },
    clearAll: () => byTenant.clear(),
  };
}
