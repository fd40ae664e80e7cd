// The realtime tables through Debian's `sqlite3` command, run on the target (locally, in the container,
// over SSH): read every row as JSON, and run one transaction. Output may hold passwords: it is parsed
// here and never logged; errors carry sqlite3's message with the SQL left out.
import { REALTIME_TABLES, isColumnName, realtimeColumns, sqlColumn, type RealtimeTable } from '../../compiler/realtime-schema.js';
import { emptyRows, type RealtimeRows, type Row } from '../../compiler/realtime-rows.js';
import { redact } from '../log.js';
import type { ExecResult, Target } from '../target.js';
import { transactionSql } from './rows-diff.js';

/** A target that can feed a command's stdin (the local one); others get the SQL as an argument. */
export interface StdinTarget extends Target {
  execWithInput(argv: string[], input: string, timeoutMs: number): Promise<ExecResult>;
}

function hasStdin(t: Target): t is StdinTarget {
  return typeof (t as Partial<StdinTarget>).execWithInput === 'function';
}

export interface SqliteOptions {
  /** the sqlite3 command; default ['sqlite3'] */
  sqlite3?: string[];
  timeoutMs?: number;
}

/** Linux refuses one argument over 128 KiB (MAX_ARG_STRLEN); stay well under it. */
export const MAX_SQL_ARGUMENT = 100_000;
// wait for Asterisk's reads instead of failing at once with SQLITE_BUSY
const BUSY_WAIT = ['-cmd', '.timeout 5000'];

export class SqliteError extends Error {
  constructor(message: string, readonly result?: ExecResult) {
    super(message);
    this.name = 'SqliteError';
  }
}

function failure(what: string, r: ExecResult, database: string): SqliteError {
  // sqlite3 may echo the statement that failed: values in it (passwords) are cut from the message
  const text = (r.stderr || r.stdout).split('\n').map((l) => l.replace(/'(?:[^']|'')*'/g, "'…'").replace(/'.*$/, "'…")).filter(Boolean).slice(0, 3).join('; ');
  const why = r.timedOut ? 'timed out' : r.code === 127 ? 'sqlite3 is not installed on the target' : redact(text || `exit ${r.code}`);
  const hint = /no such table|unable to open/i.test(text) ? ` (create the tables: pjsip-gitops realtime setup prints them)` : '';
  return new SqliteError(`${what} ${database}: ${why}${hint}`, r);
}

// SQLite allows 127 arguments to a function: json_object gets the columns in groups, merged by json_patch
const COLUMNS_PER_OBJECT = 60;

/** One JSON object per row holding only the columns that are not NULL (json_patch drops null members):
 *  `SELECT *` of 10,000 endpoints would print some 200 mostly-NULL columns each. */
function rowsQuery(table: RealtimeTable, columns: string[]): string {
  let expr = `'{}'`;
  for (let i = 0; i < columns.length; i += COLUMNS_PER_OBJECT) {
    const pairs = columns.slice(i, i + COLUMNS_PER_OBJECT).map((c) => `'${c}', ${sqlColumn(c)}`);
    expr = `json_patch(${expr}, json_object(${pairs.join(', ')}))`;
  }
  return `SELECT ${expr} FROM ${table} ORDER BY id;`;
}

/** Every row of one table; a NULL column is left out of its row. */
export async function readTable(target: Target, database: string, table: RealtimeTable, o: SqliteOptions = {}): Promise<Record<string, Row>> {
  const columns = (await tableColumns(target, database, table, o)).filter(isColumnName);
  if (!columns.includes('id')) throw new SqliteError(`cannot read ${table} from ${database}: no such table (create the tables: pjsip-gitops realtime setup prints them)`);
  const argv = [...(o.sqlite3 ?? ['sqlite3']), '-readonly', '-list', '-noheader', ...BUSY_WAIT, database, rowsQuery(table, columns)];
  const r = await target.exec(argv, o.timeoutMs ?? 30_000);
  if (r.code !== 0 || r.timedOut) throw failure(`cannot read ${table} from`, r, database);
  const out: Record<string, Row> = {};
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const raw = JSON.parse(line) as Record<string, string | number>;
    const row: Row = {};
    for (const [k, v] of Object.entries(raw)) row[k] = String(v);
    if (row.id !== undefined) out[row.id] = row;
  }
  return out;
}

export async function readRows(target: Target, database: string, o: SqliteOptions = {}): Promise<RealtimeRows> {
  const rows = emptyRows();
  for (const t of REALTIME_TABLES) rows[t] = await readTable(target, database, t, o);
  return rows;
}

/**
 * The ids of every row of the three tables: one sqlite3 command, ids only (no column of the rows, so
 * no password), for verify's existence check of the rows it does not show one by one.
 */
export async function readIds(target: Target, database: string, o: SqliteOptions = {}): Promise<Record<RealtimeTable, Set<string>>> {
  const query = REALTIME_TABLES.map((t) => `SELECT '${t}', id FROM ${t}`).join(' UNION ALL ') + ';';
  const argv = [...(o.sqlite3 ?? ['sqlite3']), '-readonly', '-list', '-noheader', '-separator', ' ', ...BUSY_WAIT, database, query];
  const r = await target.exec(argv, o.timeoutMs ?? 30_000);
  if (r.code !== 0 || r.timedOut) throw failure('cannot read the ids of the realtime tables in', r, database);
  const out = { ps_endpoints: new Set<string>(), ps_aors: new Set<string>(), ps_auths: new Set<string>() };
  for (const line of r.stdout.split('\n')) {
    const at = line.indexOf(' ');
    if (at < 0) continue;
    const table = line.slice(0, at) as RealtimeTable;
    if (out[table]) out[table].add(line.slice(at + 1));
  }
  return out;
}

/** Run the statements as one transaction (all or nothing). */
export async function runTransaction(target: Target, database: string, statements: readonly string[], o: SqliteOptions = {}): Promise<void> {
  if (!statements.length) return;
  const sqlite3 = o.sqlite3 ?? ['sqlite3'];
  const timeout = o.timeoutMs ?? 30_000;
  let r: ExecResult;
  if (hasStdin(target)) {
    r = await target.execWithInput([...sqlite3, ...BUSY_WAIT, database], transactionSql(statements), timeout);
  } else {
    // as one argument: sqlite3 runs it statement by statement and -bail stops at the first error,
    // leaving the transaction uncommitted (rolled back when sqlite3 exits)
    const sql = ['BEGIN IMMEDIATE;', ...statements, 'COMMIT;'].join('\n');
    if (Buffer.byteLength(sql) > MAX_SQL_ARGUMENT) {
      throw new SqliteError(`the change is ${Buffer.byteLength(sql)} bytes of SQL, too long for one command argument on ${target.describe}; apply it in smaller commits or run the reconciler on the PBX host`);
    }
    r = await target.exec([...sqlite3, '-bail', ...BUSY_WAIT, database, sql], timeout);
  }
  if (r.code !== 0 || r.timedOut) throw failure('the transaction failed on', r, database);
}

/** The schema's CREATE TABLE statements run against a database (tests, and the benchmark's setup). */
export async function createTables(target: Target, database: string, create: string[], o: SqliteOptions = {}): Promise<void> {
  await runTransaction(target, database, create, o);
}

/** Columns of the live table, to tell a table made for an older Asterisk from ours. */
export async function tableColumns(target: Target, database: string, table: RealtimeTable, o: SqliteOptions = {}): Promise<string[]> {
  const argv = [...(o.sqlite3 ?? ['sqlite3']), '-readonly', '-json', ...BUSY_WAIT, database, `SELECT name FROM pragma_table_info('${table}');`];
  const r = await target.exec(argv, o.timeoutMs ?? 30_000);
  if (r.code !== 0) throw failure(`cannot read the columns of ${table} in`, r, database);
  const text = r.stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as { name: string }[]).map((c) => c.name);
}

/** The columns a change would write that the live table lacks. */
export function missingColumns(live: string[], table: RealtimeTable, used: Iterable<string>): string[] {
  const have = new Set(live);
  return [...new Set(used)].filter((c) => !have.has(c) && realtimeColumns(table).includes(c));
}
