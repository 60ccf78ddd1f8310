/**
 * Per-tenant record of directory mutations. Graph delta queries are answered from it: a delta token
 * is a position (sequence number) in this log, so "what changed since" is a slice.
 */

/** What a mutation did. */
export type DirectoryChangeKind =
  | 'user-created'
  | 'user-updated'
  | 'user-deleted'
  | 'group-created'
  | 'group-updated'
  | 'group-deleted'
  | 'member-added'
  | 'member-removed';

/** One recorded mutation. */
export interface DirectoryChange {
  /** Monotonically increasing, starting at 1 after generation (generation itself is not logged). */
  readonly seq: number;
  readonly kind: DirectoryChangeKind;
  /** The user or group changed; for membership changes, the group. */
  readonly objectId: string;
  /** For membership changes: the member added or removed. */
  readonly memberId?: string;
  readonly memberType?: 'user' | 'group';
  /** For deletions: true when the object went to deleted items (Graph reports reason `changed`). */
  readonly restorable?: boolean;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** Append-only change log; sequence numbers equal the entry's position + 1. */
export class ChangeLog {
  readonly #entries: DirectoryChange[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Sequence number of the latest change (0 when nothing changed since generation). */
  get lastSeq(): number {
    return this.#entries.length;
  }

  /** Records a mutation and returns it. */
  append(change: Omit<DirectoryChange, 'seq' | 'at'>): DirectoryChange {
    const entry: DirectoryChange = { ...change, seq: this.#entries.length + 1, at: this.now() };
    this.#entries.push(entry);
    return entry;
  }

  /** Changes with `afterSeq < seq <= uptoSeq`, oldest first. */
  between(afterSeq: number, uptoSeq: number = this.lastSeq): readonly DirectoryChange[] {
    return this.#entries.slice(Math.max(0, afterSeq), Math.max(0, uptoSeq));
  }
}
