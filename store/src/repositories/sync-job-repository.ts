/**
 * Sync runs as durable jobs. A claim takes the tenant's lease row (`sync_tenant_leases`, one per
 * tenant) with a conditional upsert, so of two processes only one synchronizes a tenant; the
 * run's job row carries attempts, retry time, lease and checkpoint. Checkpoints and releases are
 * fenced by the lease owner (and checkpoints by the run still running), so a worker that lost its
 * lease, or whose run was cancelled, cannot write. A partial unique index keeps at most one
 * pending or running run per tenant and service (migration 0006), and claims are fair: each
 * tenant offers only its oldest due run, and tenants being synchronized offer none.
 */
import { sql } from 'kysely';
import { fromJson, toJson } from '../schema.js';
import { syncRunFromRow, syncRunToRow } from './sync-run-repository.js';
import { inTransaction } from './transaction-scope.js';
import type { Database, SyncJobTable } from '../schema.js';
import type {
  ServiceId,
  SyncCancellationNote,
  SyncJob,
  SyncJobRepository,
  SyncLease,
  SyncRun,
  SyncRunRequest,
} from '@cas/core';
import type { Kysely } from 'kysely';

/** Tenants a claim tries before giving up until the next poll (each offers one run). */
const CANDIDATES = 20;
/** Statuses of a run still to be applied; the unique index covers exactly these. */
const QUEUED = ['pending', 'running'] as const;
/** Triggers whose runs only a full round serves (`triggerForcesFullRound` in core). */
const FULL_ROUND_TRIGGERS = ['manual'];

/** Sync jobs over either backend. */
export class SqlSyncJobRepository implements SyncJobRepository {
  readonly #db: Kysely<Database>;

  /** `db` may be the root instance or a transaction. */
  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async requestRun(run: SyncRun): Promise<SyncRunRequest> {
    // A queued run found by the conflict may finish before it is read back; then try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      // No conflict target: the primary key and the one-queued-run index both make it a no-op.
      const result = await this.#db
        .insertInto('sync_runs')
        .values(syncRunToRow(run))
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) return { run, created: true };
      const existing =
        (await this.#db
          .selectFrom('sync_runs')
          .selectAll()
          .where('tenant_id', '=', run.tenantId)
          .where('id', '=', run.id)
          .executeTakeFirst()) ??
        (await this.#db
          .selectFrom('sync_runs')
          .selectAll()
          .where('tenant_id', '=', run.tenantId)
          .where('service', '=', run.service)
          .where('status', 'in', QUEUED)
          .executeTakeFirst());
      if (existing !== undefined) return { run: syncRunFromRow(existing), created: false };
    }
    throw new Error(`Sync run ${run.id} of tenant ${run.tenantId} could neither be queued nor found`);
  }

  async due(now: string, limit: number): Promise<{ run: SyncRun; job: SyncJob | undefined }[]> {
    const dueRuns = this.#db
      .selectFrom('sync_runs as r')
      .leftJoin('sync_jobs as j', 'j.run_id', 'r.id')
      .selectAll('r')
      .select([
        'j.run_id as job_run_id',
        'j.attempts as job_attempts',
        'j.next_attempt_at as job_next_attempt_at',
        'j.lease_owner as job_lease_owner',
        'j.lease_until as job_lease_until',
        'j.checkpoint_json as job_checkpoint_json',
        'j.last_error as job_last_error',
        // Fairness: a tenant's runs compete among themselves first; only its oldest is offered.
        sql<number>`row_number() over (partition by r.tenant_id order by r.requested_at, r.id)`.as(
          'tenant_rank',
        ),
      ])
      .where('r.status', 'in', QUEUED)
      .where((eb) =>
        eb.or([
          eb('j.run_id', 'is', null),
          eb.and([
            eb.or([eb('j.lease_until', 'is', null), eb('j.lease_until', '<=', now)]),
            eb.or([eb('j.next_attempt_at', 'is', null), eb('j.next_attempt_at', '<=', now)]),
          ]),
        ]),
      )
      // A tenant someone is synchronizing offers nothing, so it can never hide another tenant.
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('sync_tenant_leases as l')
              .select('l.tenant_id')
              .whereRef('l.tenant_id', '=', 'r.tenant_id')
              .where('l.lease_until', '>', now),
          ),
        ),
      );
    const rows = await this.#db
      .selectFrom(dueRuns.as('d'))
      .selectAll()
      .where('d.tenant_rank', '=', 1)
      .orderBy('d.requested_at', 'asc')
      .orderBy('d.id', 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      run: syncRunFromRow(row),
      job:
        row.job_run_id === null
          ? undefined
          : jobFromRow({
              run_id: row.job_run_id,
              tenant_id: row.tenant_id,
              attempts: row.job_attempts ?? 0,
              next_attempt_at: row.job_next_attempt_at,
              lease_owner: row.job_lease_owner,
              lease_until: row.job_lease_until,
              checkpoint_json: row.job_checkpoint_json,
              last_error: row.job_last_error,
            }),
    }));
  }

  async claimNext(lease: SyncLease): Promise<{ run: SyncRun; job: SyncJob } | undefined> {
    // One candidate per tenant: a lost race (another process took that tenant) moves on.
    for (const { run } of await this.due(lease.now, CANDIDATES)) {
      const claimed = await this.claimRun(run.tenantId, run.id, lease);
      if (claimed !== undefined) return claimed;
    }
    return undefined;
  }

  async claimRun(
    tenantId: string,
    runId: string,
    lease: SyncLease,
  ): Promise<{ run: SyncRun; job: SyncJob } | undefined> {
    return inTransaction(this.#db, async (trx) => {
      const runRow = await trx
        .selectFrom('sync_runs')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', runId)
        .executeTakeFirst();
      if (runRow === undefined || (runRow.status !== 'pending' && runRow.status !== 'running'))
        return undefined;
      const existing = await trx
        .selectFrom('sync_jobs')
        .selectAll()
        .where('run_id', '=', runId)
        .executeTakeFirst();
      if (existing !== undefined) {
        const leased =
          existing.lease_until !== null &&
          existing.lease_until > lease.now &&
          existing.lease_owner !== lease.owner;
        const waiting = existing.next_attempt_at !== null && existing.next_attempt_at > lease.now;
        if (leased || waiting) return undefined;
      }
      // The tenant lease: inserted, or taken over when expired (its holder died). Evaluated on the
      // locked row, so a concurrent claimer sees the winner's lease and gets no row.
      const taken = await trx
        .insertInto('sync_tenant_leases')
        .values({ tenant_id: tenantId, run_id: runId, owner: lease.owner, lease_until: lease.leaseUntil })
        .onConflict((conflict) =>
          conflict
            .column('tenant_id')
            .doUpdateSet({ run_id: runId, owner: lease.owner, lease_until: lease.leaseUntil })
            .where((eb) =>
              eb.or([
                eb('sync_tenant_leases.lease_until', '<=', lease.now),
                eb.and([
                  eb('sync_tenant_leases.owner', '=', lease.owner),
                  eb('sync_tenant_leases.run_id', '=', runId),
                ]),
              ]),
            ),
        )
        .executeTakeFirst();
      if (Number(taken.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
      await trx
        .insertInto('sync_jobs')
        .values({
          run_id: runId,
          tenant_id: tenantId,
          attempts: 1,
          next_attempt_at: null,
          lease_owner: lease.owner,
          lease_until: lease.leaseUntil,
          checkpoint_json: null,
          last_error: null,
        })
        .onConflict((conflict) =>
          conflict.column('run_id').doUpdateSet((eb) => ({
            attempts: eb('sync_jobs.attempts', '+', 1),
            next_attempt_at: null,
            lease_owner: lease.owner,
            lease_until: lease.leaseUntil,
          })),
        )
        .execute();
      await trx
        .updateTable('sync_runs')
        .set({ status: 'running', started_at: runRow.started_at ?? lease.now })
        .where('id', '=', runId)
        .execute();
      const job = await trx
        .selectFrom('sync_jobs')
        .selectAll()
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      return {
        run: syncRunFromRow({ ...runRow, status: 'running', started_at: runRow.started_at ?? lease.now }),
        job: jobFromRow(job),
      };
    });
  }

  async renew(runId: string, lease: SyncLease): Promise<boolean> {
    return inTransaction(this.#db, async (trx) => {
      const job = await trx
        .updateTable('sync_jobs')
        .set({ lease_until: lease.leaseUntil })
        .where('run_id', '=', runId)
        .where('lease_owner', '=', lease.owner)
        .executeTakeFirst();
      const tenant = await trx
        .updateTable('sync_tenant_leases')
        .set({ lease_until: lease.leaseUntil })
        .where('run_id', '=', runId)
        .where('owner', '=', lease.owner)
        .executeTakeFirst();
      return Number(job.numUpdatedRows) === 1 && Number(tenant.numUpdatedRows) === 1;
    });
  }

  async saveCheckpoint(runId: string, owner: string, checkpoint: unknown): Promise<boolean> {
    const result = await this.#db
      .updateTable('sync_jobs')
      .set({ checkpoint_json: toJson(checkpoint) })
      .where('run_id', '=', runId)
      .where('lease_owner', '=', owner)
      // A cancelled run (its scope changed) must not apply one more page.
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('sync_runs')
            .select('sync_runs.id')
            .where('sync_runs.id', '=', runId)
            .where('sync_runs.status', '=', 'running'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async cancelQueued(tenantId: string, service: ServiceId, note: SyncCancellationNote): Promise<SyncRun[]> {
    const rows = await this.#db
      .updateTable('sync_runs')
      .set({ status: 'cancelled', cancel_reason: note.reason, finished_at: note.at })
      .where('tenant_id', '=', tenantId)
      .where('service', '=', service)
      .where('status', 'in', QUEUED)
      .returningAll()
      .execute();
    return rows.map(syncRunFromRow);
  }

  async cancelClaimed(runId: string, owner: string, note: SyncCancellationNote): Promise<boolean> {
    return inTransaction(this.#db, async (trx) => {
      const job = await trx
        .updateTable('sync_jobs')
        .set({ lease_owner: null, lease_until: null, checkpoint_json: null, next_attempt_at: null })
        .where('run_id', '=', runId)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      if (Number(job.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('sync_runs')
        .set({ status: 'cancelled', cancel_reason: note.reason, finished_at: note.at })
        .where('id', '=', runId)
        .where('status', 'in', QUEUED)
        .execute();
      await trx
        .deleteFrom('sync_tenant_leases')
        .where('run_id', '=', runId)
        .where('owner', '=', owner)
        .execute();
      return true;
    });
  }

  async release(
    runId: string,
    owner: string,
    outcome:
      | { readonly done: true }
      | { readonly done: false; readonly error: string; readonly nextAttemptAt: string | null },
  ): Promise<void> {
    await this.#db
      .updateTable('sync_jobs')
      .set(
        outcome.done
          ? { lease_owner: null, lease_until: null, checkpoint_json: null, next_attempt_at: null }
          : {
              lease_owner: null,
              lease_until: null,
              last_error: outcome.error,
              next_attempt_at: outcome.nextAttemptAt,
            },
      )
      .where('run_id', '=', runId)
      .where('lease_owner', '=', owner)
      .execute();
    await this.#db
      .deleteFrom('sync_tenant_leases')
      .where('run_id', '=', runId)
      .where('owner', '=', owner)
      .execute();
  }

  async completeServedBy(served: SyncRun, fullRound: boolean): Promise<SyncRun[]> {
    if (served.scope !== 'allUsersAndGroups' || served.startedAt === null) return [];
    let query = this.#db
      .updateTable('sync_runs')
      .set({
        status: 'succeeded',
        started_at: served.startedAt,
        finished_at: served.finishedAt,
        added: served.added,
        updated: served.updated,
        removed: served.removed,
        graph_requests: 0,
        error: null,
      })
      .where('tenant_id', '=', served.tenantId)
      .where('status', '=', 'pending')
      .where('scope', '=', 'allUsersAndGroups')
      .where('id', '<>', served.id)
      // Only runs asked for before the round started reading Graph: it read what they wanted.
      .where('requested_at', '<=', served.startedAt);
    if (!fullRound) query = query.where('sync_trigger', 'not in', FULL_ROUND_TRIGGERS);
    const rows = await query.returningAll().execute();
    if (rows.length > 0) {
      // A waiting retry of a served run has nothing left to do.
      await this.#db
        .updateTable('sync_jobs')
        .set({ next_attempt_at: null, checkpoint_json: null })
        .where(
          'run_id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
    }
    return rows.map(syncRunFromRow);
  }

  async dueSchedules(now: string, limit: number): Promise<{ tenantId: string; nextDueAt: string }[]> {
    const rows = await this.#db
      .selectFrom('sync_schedules')
      .select(['tenant_id', 'next_due_at'])
      .where('next_due_at', '<=', now)
      .orderBy('next_due_at', 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, nextDueAt: row.next_due_at }));
  }

  async setNextDue(tenantId: string, nextDueAt: string): Promise<void> {
    await this.#db
      .updateTable('sync_schedules')
      .set({ next_due_at: nextDueAt })
      .where('tenant_id', '=', tenantId)
      .execute();
  }

  async get(runId: string): Promise<SyncJob | undefined> {
    const row = await this.#db
      .selectFrom('sync_jobs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row === undefined ? undefined : jobFromRow(row);
  }
}

function jobFromRow(row: SyncJobTable): SyncJob {
  return {
    runId: row.run_id,
    tenantId: row.tenant_id,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
    checkpoint: row.checkpoint_json === null ? null : fromJson<unknown>(row.checkpoint_json),
    lastError: row.last_error,
  };
}
