import { formatDuration, type Lease } from '../index.js';

/** A Lease's record as this process saw it, and when, on its own monotonic clock. */
export interface ObservedLease {
  readonly lease: Lease;
  /** `performance.now()` when this process first saw this version of the record. */
  readonly observedAt: number;
  /**
   * Whether this version is a change this process saw happen (a watch event after it had seen
   * the Lease before). False for the first sight of a Lease: the record may be fresh or long stale.
   */
  readonly changeSeen: boolean;
}

/**
 * Whether the lease is expired, judged as a candidate judges it, never by comparing wall clocks:
 * - `free`: no holder (released, or never held): a candidate takes it at once;
 * - `yes`: held, and this process has seen no change for longer than leaseDurationSeconds;
 * - `no`: held, and this process saw its record change less than leaseDurationSeconds ago;
 * - `unknown`: held, seen once only (a one-shot read, or a watch's first sight), less than
 *   leaseDurationSeconds ago: the holder may have renewed just before, or died long ago.
 */
export type Expiry = 'free' | 'no' | 'yes' | 'unknown';

/** What a `status --watch` line reports: a watch event, or a held lease that went silent for its duration. */
export type LeaseEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'EXPIRED';

/** One Lease as `status` prints it (the JSON form; the table shows the same fields). */
export interface LeaseRow {
  /** With `--watch` only. */
  readonly event?: LeaseEventType;
  readonly namespace: string;
  readonly name: string;
  /** `""` when no one holds it. */
  readonly holder: string;
  /** leaseTransitions: the fencing term. */
  readonly term: number;
  /** As the holder wrote it, by its clock: informational only. */
  readonly renewTime: string | null;
  readonly acquireTime: string | null;
  readonly leaseDurationSeconds: number;
  readonly resourceVersion: string | null;
  /** Milliseconds since this process saw this version of the record. */
  readonly observedAgoMs: number;
  readonly expired: Expiry;
}

/** See {@link Expiry}; `now` is on the clock of {@link ObservedLease.observedAt}. */
export function expiryOf({ lease, observedAt, changeSeen }: ObservedLease, now: number): Expiry {
  if (lease.spec.holderIdentity === '') return 'free';
  if (observedAt + lease.spec.leaseDurationSeconds * 1000 < now) return 'yes';
  return changeSeen ? 'no' : 'unknown';
}

/** The row of an observed Lease at `now`. */
export function leaseRow(observed: ObservedLease, now: number, event?: LeaseEventType): LeaseRow {
  const { lease } = observed;
  return {
    ...(event === undefined ? {} : { event }),
    namespace: lease.namespace,
    name: lease.name,
    holder: lease.spec.holderIdentity,
    term: lease.spec.leaseTransitions,
    renewTime: lease.spec.renewTime,
    acquireTime: lease.spec.acquireTime,
    leaseDurationSeconds: lease.spec.leaseDurationSeconds,
    resourceVersion: lease.resourceVersion ?? null,
    observedAgoMs: Math.max(0, Math.round(now - observed.observedAt)),
    expired: event === 'DELETED' ? 'free' : expiryOf(observed, now),
  };
}

interface Column {
  readonly header: string;
  readonly cell: (row: LeaseRow) => string;
  /** The least width of a `--watch` line's column, where later rows are not known yet. */
  readonly width: number;
}

const none = '<none>';
const columns: readonly Column[] = [
  { header: 'NAME', cell: (row) => row.name, width: 24 },
  { header: 'HOLDER', cell: (row) => row.holder === '' ? none : row.holder, width: 24 },
  { header: 'TERM', cell: (row) => String(row.term), width: 4 },
  { header: 'RENEW-TIME', cell: (row) => row.renewTime ?? none, width: 27 },
  { header: 'OBSERVED', cell: (row) => `${formatDuration(Math.floor(row.observedAgoMs / 1000) * 1000)} ago`, width: 8 },
  { header: 'EXPIRED', cell: (row) => row.expired === 'unknown' ? 'unknown (observed once)' : row.expired, width: 0 },
];
const eventColumn: Column = { header: 'EVENT', cell: (row) => row.event ?? '', width: 8 };

function line(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, index) => index === cells.length - 1 ? cell : cell.padEnd(widths[index]!)).join('  ').trimEnd();
}

/** A header and one line per row, in columns as wide as their widest cell. */
export function formatTable(rows: readonly LeaseRow[]): string {
  const cells = [columns.map((column) => column.header), ...rows.map((row) => columns.map((column) => column.cell(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((each) => each[index]!.length)));
  return cells.map((each) => `${line(each, widths)}\n`).join('');
}

/** A JSON array of the rows, one per line. */
export function formatJson(rows: readonly LeaseRow[]): string {
  return rows.length === 0 ? '[]\n' : `[\n${rows.map((row) => `  ${JSON.stringify(row)}`).join(',\n')}\n]\n`;
}

/** The header of `status --watch --output table`. */
export function watchHeader(): string {
  const all = [eventColumn, ...columns];
  return `${line(all.map((column) => column.header), all.map((column) => column.width))}\n`;
}

/** One line of `status --watch`: columns of fixed least widths, or a JSON object. */
export function formatWatchLine(row: LeaseRow, output: 'table' | 'json'): string {
  if (output === 'json') return `${JSON.stringify(row)}\n`;
  const all = [eventColumn, ...columns];
  return `${line(all.map((column) => column.cell(row)), all.map((column) => column.width))}\n`;
}
