/** The append-only audit log; `before` and `after` are stored as JSON text. */
import { fromJson, toJson } from '../schema.js';
import type { AuditEventTable, Database } from '../schema.js';
import type { Actor, AuditAction, AuditEvent, AuditRepository, ServiceId } from '@cas/core';
import type { Kysely } from 'kysely';

/** Audit events over either backend. */
export class SqlAuditRepository implements AuditRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(event: AuditEvent): Promise<void> {
    await this.#db.insertInto('audit_events').values(toRow(event)).execute();
  }

  async list(tenantId: string, options: { limit?: number; before?: string } = {}): Promise<AuditEvent[]> {
    let query = this.#db
      .selectFrom('audit_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc');
    if (options.before !== undefined) query = query.where('at', '<', options.before);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map(fromRow);
  }
}

function toRow(event: AuditEvent): AuditEventTable {
  return {
    id: event.id,
    tenant_id: event.tenantId,
    actor_json: toJson(event.actor),
    action: event.action,
    service: event.service,
    at: event.at,
    before_json: toJson(event.before),
    after_json: toJson(event.after),
  };
}

function fromRow(row: AuditEventTable): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    actor: fromJson<Actor>(row.actor_json),
    action: row.action as AuditAction,
    service: row.service as ServiceId | null,
    at: row.at,
    before: fromJson<unknown>(row.before_json),
    after: fromJson<unknown>(row.after_json),
  };
}
