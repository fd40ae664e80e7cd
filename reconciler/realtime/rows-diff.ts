// What to change in the realtime tables to make them what Git says, as SQL: pure. Rows not in Git are
// deleted (declarative); a row is written only when a column differs. Values go into SQL as string
// literals with every `'` doubled, and a value with a control character other than TAB is refused:
// no value can end its literal or reach the sqlite3 command line as a new line.
import { createHash } from 'node:crypto';
import { REALTIME_TABLES, sqlColumn, type RealtimeTable } from '../../compiler/realtime-schema.js';
import { isSecretColumn, redactRow, type RealtimeRows, type Row } from '../../compiler/realtime-rows.js';

export interface RowChange {
  table: RealtimeTable;
  id: string;
  kind: 'insert' | 'update' | 'delete';
  /** the row as found; absent for an insert */
  before?: Row;
  /** the row Git asks for; absent for a delete */
  after?: Row;
  /** the columns whose value differs (all of the row's for an insert or a delete) */
  columns: string[];
}

function sameRow(a: Row, b: Row): string[] {
  const cols = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...cols].filter((c) => a[c] !== b[c]).sort();
}

/** Every row that differs between the tables as found and as desired, tables in a fixed order, ids sorted. */
export function diffRows(current: RealtimeRows, desired: RealtimeRows): RowChange[] {
  const out: RowChange[] = [];
  for (const table of REALTIME_TABLES) {
    const have = current[table];
    const want = desired[table];
    const ids = [...new Set([...Object.keys(have), ...Object.keys(want)])].sort();
    for (const id of ids) {
      const before = have[id];
      const after = want[id];
      if (!before && after) out.push({ table, id, kind: 'insert', after, columns: Object.keys(after).sort() });
      else if (before && !after) out.push({ table, id, kind: 'delete', before, columns: Object.keys(before).sort() });
      else if (before && after) {
        const columns = sameRow(before, after);
        if (columns.length) out.push({ table, id, kind: 'update', before, after, columns });
      }
    }
  }
  return out;
}

/** The extensions a change touches: an endpoint's or aor's id, an auth's without `-iauth`. */
export function extensionOf(change: Pick<RowChange, 'table' | 'id'>): string {
  return change.table === 'ps_auths' ? change.id.replace(/-iauth$/, '') : change.id;
}

/** The extensions whose endpoint row would go: what the deletion guard counts. */
export function deletedEndpoints(changes: readonly RowChange[]): string[] {
  return changes.filter((c) => c.table === 'ps_endpoints' && c.kind === 'delete').map((c) => c.id);
}

// TAB is kept: the compiler allows it inside a password, and it cannot start a line
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** A value as an SQL string literal. */
export function sqlString(value: string): string {
  if (UNSAFE.test(value)) throw new Error('a realtime value holds a control character; refused (it could end a line of SQL)');
  return `'${value.replace(/'/g, "''")}'`;
}

const column = sqlColumn;

function insertSql(table: RealtimeTable, row: Row): string {
  const cols = Object.keys(row);
  return `INSERT INTO ${table} (${cols.map(column).join(', ')}) VALUES (${cols.map((c) => sqlString(row[c]!)).join(', ')});`;
}

/** One statement per change: INSERT, UPDATE of the differing columns (NULL for one Git no longer sets), DELETE. */
export function changeSql(c: RowChange): string {
  const where = `WHERE id = ${sqlString(c.id)}`;
  if (c.kind === 'delete') return `DELETE FROM ${c.table} ${where};`;
  if (c.kind === 'insert') return insertSql(c.table, c.after!);
  const sets = c.columns.map((k) => `${column(k)} = ${c.after![k] === undefined ? 'NULL' : sqlString(c.after![k]!)}`);
  return `UPDATE ${c.table} SET ${sets.join(', ')} ${where};`;
}

/** The statements that put every changed row back as it was found (inserted rows removed). */
export function restoreSql(changes: readonly RowChange[]): string[] {
  return changes.map((c) => (c.before
    ? `DELETE FROM ${c.table} WHERE id = ${sqlString(c.id)}; ${insertSql(c.table, c.before)}`
    : `DELETE FROM ${c.table} WHERE id = ${sqlString(c.id)};`));
}

/**
 * One transaction: BEGIN IMMEDIATE takes the write lock before reading anything, so Asterisk (a reader)
 * sees all of it or none of it; `.bail on` stops at the first error, and sqlite3 then rolls back.
 */
export function transactionSql(statements: readonly string[]): string {
  return ['.bail on', 'BEGIN IMMEDIATE;', ...statements, 'COMMIT;', ''].join('\n');
}

/** A change as a log line may show it: secret columns named, never their values. */
export function describeChange(c: RowChange): Record<string, unknown> {
  const shown = (row?: Row) => (row ? redactRow(c.table, row) : undefined);
  return { table: c.table, id: c.id, kind: c.kind, columns: c.columns.map((k) => (isSecretColumn(c.table, k) ? `${k} (secret)` : k)),
    ...(c.kind === 'update' ? { before: pick(shown(c.before)!, c.columns), after: pick(shown(c.after)!, c.columns) } : {}) };
}

function pick(row: Row, cols: string[]): Row {
  const out: Row = {};
  for (const k of cols) if (row[k] !== undefined) out[k] = row[k]!;
  return out;
}

/** A row's fingerprint for the drift record: changes when any value does, shows none of them. */
export function rowDigest(table: RealtimeTable, row: Row): string {
  const canon = JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
  return createHash('sha256').update(`${table}\u0000${canon}`).digest('hex');
}

export type AppliedDigests = Record<RealtimeTable, Record<string, string>>;

export function digestsOf(rows: RealtimeRows): AppliedDigests {
  const out = { ps_endpoints: {}, ps_aors: {}, ps_auths: {} } as AppliedDigests;
  for (const t of REALTIME_TABLES) for (const [id, row] of Object.entries(rows[t])) out[t][id] = rowDigest(t, row);
  return out;
}

/**
 * Rows changed by hand since the last apply: rows whose table content differs from what was last
 * written (edited, added or removed behind our back). Without a record there is nothing to compare with.
 */
export function driftedRows(current: RealtimeRows, applied: AppliedDigests | undefined): { table: RealtimeTable; id: string }[] {
  if (!applied) return [];
  const out: { table: RealtimeTable; id: string }[] = [];
  for (const table of REALTIME_TABLES) {
    const ids = new Set([...Object.keys(current[table]), ...Object.keys(applied[table] ?? {})]);
    for (const id of [...ids].sort()) {
      const row = current[table][id];
      const was = applied[table]?.[id];
      if ((row ? rowDigest(table, row) : undefined) !== was) out.push({ table, id });
    }
  }
  return out;
}
