// After rows changed: does Asterisk see each changed object, with the values the row holds? Read with
// `pjsip show endpoint|aor|auth <id>` one object at a time (a realtime object is read from the table
// on that request). `pjsip show auth` prints the password: its output is compared here and dropped.
//
// Bounded like the file strategy's verify (reconciler/verify.ts): past VALUE_CHECKED_MAX changed
// extensions only a sample is shown, chosen by the same sampler (reconciler/verify-sample.ts: one of
// each kind, the first, the last, the rest spread), a few at a time. The others cannot be checked
// from Asterisk's listings: under realtime, `pjsip show|list endpoints|aors|auths` fetch every row at
// once, and res_config_sqlite3 hands a multi-row fetch its NULL columns as empty values, which sorcery
// refuses ("Error parsing 100rel=") — every object is dropped and the listing says "No objects found."
// (Asterisk 22.10.1, test/real/realtime.test.ts), after 0.2-1.8 s per listing at 10,000 rows. So
// their existence is read from the tables themselves (the ids, one sqlite3 command): a written row is
// there, a deleted one is gone. What Asterisk makes of a row's values is known for the sampled kinds.
import { isTrue } from '../../compiler/catalog.js';
import { factOf } from '../../compiler/option-facts.js';
import { OBJECT_OF, type RealtimeTable } from '../../compiler/realtime-schema.js';
import type { Row } from '../../compiler/realtime-rows.js';
import { DEFAULT_ASTERISK_OPTIONS, classify, parseEndpointParameters, type AsteriskOptions } from '../asterisk.js';
import type { ExtensionModel } from '../../compiler/types.js';
import type { Target } from '../target.js';
import { VERIFY_PARALLEL } from '../verify.js';
import { VALUE_CHECKED_MAX, valueSample } from '../verify-sample.js';
import { extensionOf, type RowChange } from './rows-diff.js';
import { readIds, type SqliteOptions } from './sqlite.js';

/** The wizard prefix whose facts describe a table's columns. */
const PREFIX: Record<RealtimeTable, string> = { ps_endpoints: 'endpoint/', ps_aors: 'aor/', ps_auths: 'inbound_auth/' };

/** Is `shown` (a `pjsip show` row) what `value` in the column loads as? undefined: not comparable from show. */
export function sameAsShown(table: RealtimeTable, column: string, value: string, shown: string | undefined): boolean | undefined {
  if (column === 'disallow') return undefined; // folded into the allow row
  if (shown === undefined) return undefined; // not every column has a row of its name
  if (shown === value) return true;
  if (column === 'allow') {
    // shown as (g722|ulaw|alaw): the preference order is what matters
    const list = (s: string) => s.replace(/[()\s]/g, '').split(/[|,]/).filter(Boolean).join(',');
    return list(shown) === list(value);
  }
  const f = factOf(PREFIX[table] + column);
  switch (f?.kind) {
    case 'bool': return isTrue(value) === /^(true|yes)$/i.test(shown);
    case 'uint': return /^[0-9]+$/.test(value) ? Number(shown) === Number(value) : undefined;
    case 'double': return Math.abs(Number(shown) - Number(value)) < 1e-6;
    case 'enum': return f.caseSensitive ? shown === value : shown.toLowerCase() === value.toLowerCase() ? true : undefined;
    case 'string': return shown === value;
    default: return undefined;
  }
}

export type ObjectCheck =
  | { ok: true }
  /** `command`: the show itself failed (no answer, a timeout): nothing is known of the object */
  | { ok: false; table: RealtimeTable; id: string; problem: string; command?: boolean };

const SAFE_ID = /^[0-9A-Za-z_.@+-]+$/;

/** One object's parameter rows, null when Asterisk has none. The raw text never leaves this function. */
async function showObject(target: Target, o: AsteriskOptions, table: RealtimeTable, id: string): Promise<Map<string, string> | null | string> {
  if (!SAFE_ID.test(id)) return `not an id Asterisk's CLI can take: ${JSON.stringify(id.slice(0, 40))}`;
  const r = await target.exec([...o.cli, `pjsip show ${OBJECT_OF[table]} ${id}`], o.timeoutMs);
  const failure = classify(r, o.timeoutMs);
  if (failure) return `pjsip show ${OBJECT_OF[table]} ${id}: ${failure.reason}`;
  const params = parseEndpointParameters(r.stdout);
  return params === undefined ? `pjsip show ${OBJECT_OF[table]} ${id} answered something unexpected` : params;
}

/** Checks one changed row against what Asterisk shows; secret columns are compared, never named with a value. */
export async function checkObject(target: Target, o: Partial<AsteriskOptions>, change: RowChange): Promise<ObjectCheck> {
  const opts = { ...DEFAULT_ASTERISK_OPTIONS, ...o };
  const { table, id } = change;
  const shown = await showObject(target, opts, table, id);
  if (typeof shown === 'string') return { ok: false, table, id, problem: shown, command: SAFE_ID.test(id) };
  if (change.kind === 'delete') {
    return shown === null ? { ok: true } : { ok: false, table, id, problem: 'still loaded after its row was deleted' };
  }
  if (shown === null) return { ok: false, table, id, problem: 'not loaded: Asterisk refused the row (see its log for the value it could not read)' };
  const differ = differingColumns(table, change.after!, shown);
  return differ.length ? { ok: false, table, id, problem: `loaded with other values for ${differ.join(', ')}` } : { ok: true };
}

function differingColumns(table: RealtimeTable, row: Row, shown: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (column === 'id') continue;
    if (sameAsShown(table, column, value, shown.get(column)) === false) out.push(column);
  }
  return out;
}

/** Which changed rows verify shows one by one, and which it only looks for in the tables. */
export interface RowsVerifyPlan {
  /** rows of the sampled extensions: values compared (inserts, updates), absence confirmed (deletes) */
  shown: RowChange[];
  /** rows of the other extensions: in the tables after the write (inserts, updates) or gone (deletes) */
  byIds: RowChange[];
  /** changed extensions (written or removed) */
  changed: number;
  /** extensions whose rows are shown */
  valueChecked: number;
  /** extensions whose rows are only looked for in the tables */
  existenceOnly: number;
  /** the kinds the changed extensions fall into (each has one in the sample) */
  kinds: number;
}

/**
 * An extension as the sampler sees it when the compiled model has none for it (a removed extension,
 * or rows handed in without their model): its kind is the shape of its changed rows — tables, what
 * happens to each row, and the columns compared.
 */
function rowsShape(number: string, changes: RowChange[]): ExtensionModel {
  const shape = changes.map((c) => `${c.table} ${c.kind} ${Object.keys(c.after ?? {}).sort().join(',')}`).sort().join(';');
  return { number, name: number, template: `rows:${shape}`, file: '', codecs: [], options: {}, auth: 'password', passwordFingerprint: '' };
}

/**
 * Pure: the sample of the changed extensions whose rows are shown (at most `max`, deterministic),
 * the rest by id. Extensions come in the model's order (`extensions`, the compiled model's), so the
 * kinds are the file strategy's; extensions the model lacks (removed ones) after them, by id, each
 * kind of their own by the shape of their rows.
 */
export function planVerify(changes: readonly RowChange[], extensions: readonly ExtensionModel[] = [], max = VALUE_CHECKED_MAX): RowsVerifyPlan {
  const byExtension = new Map<string, RowChange[]>();
  for (const c of changes) {
    const n = extensionOf(c);
    byExtension.set(n, [...(byExtension.get(n) ?? []), c]);
  }
  const known = extensions.filter((e) => byExtension.has(e.number) && byExtension.get(e.number)!.some((c) => c.kind !== 'delete'));
  const modelled = new Set(known.map((e) => e.number));
  const others = [...byExtension.keys()].filter((n) => !modelled.has(n)).sort(compareIds).map((n) => rowsShape(n, byExtension.get(n)!));
  const all = [...known, ...others];
  const sample = valueSample(all, max);
  const sampled = new Set(sample.checked.map((e) => e.number));
  const shown = changes.filter((c) => sampled.has(extensionOf(c)));
  const byIds = changes.filter((c) => !sampled.has(extensionOf(c)));
  return { shown, byIds, changed: all.length, valueChecked: sampled.size, existenceOnly: all.length - sampled.size, kinds: sample.kinds };
}

/** Numbers in numeric order, other ids after them. */
function compareIds(a: string, b: string): number {
  const na = /^[0-9]+$/.test(a), nb = /^[0-9]+$/.test(b);
  if (na && nb) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return na ? -1 : nb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

export interface RowsVerifyOutcome extends Omit<RowsVerifyPlan, 'shown' | 'byIds'> {
  /** `<table> <id>: <what is wrong>`, never a value of a secret column */
  problems: string[];
  /** `pjsip show` commands run */
  objectsShown: number;
  /** rows looked for in the tables' ids */
  rowsByIds: number;
}

/**
 * Verifies changed rows: the sample's rows shown (VERIFY_PARALLEL at a time; the first show that
 * gets no answer stops the rest), the others looked for in the tables' ids.
 */
export async function verifyRows(target: Target, o: Partial<AsteriskOptions>, database: string, sqlite: SqliteOptions | undefined,
  changes: readonly RowChange[], extensions?: readonly ExtensionModel[]): Promise<RowsVerifyOutcome> {
  const plan = planVerify(changes, extensions);
  const problems: string[] = [];
  let next = 0;
  let shows = 0;
  let stop = false;
  const worker = async () => {
    while (!stop && next < plan.shown.length) {
      const c = plan.shown[next++]!;
      shows++;
      const r = await checkObject(target, o, c);
      if (r.ok) continue;
      problems.push(`${r.table} ${r.id}: ${r.problem}`);
      if (r.command) stop = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(VERIFY_PARALLEL, plan.shown.length) }, worker));
  if (!stop && plan.byIds.length) {
    let ids: Awaited<ReturnType<typeof readIds>>;
    try {
      ids = await readIds(target, database, sqlite);
    } catch (err) {
      problems.push(`${plan.byIds.length} rows not confirmed: ${err instanceof Error ? err.message : String(err)}`);
      return done(plan, changes, problems, shows, 0);
    }
    for (const c of plan.byIds) {
      const there = ids[c.table].has(c.id);
      if (c.kind === 'delete' && there) problems.push(`${c.table} ${c.id}: still in the table after its row was deleted`);
      if (c.kind !== 'delete' && !there) problems.push(`${c.table} ${c.id}: not in the table after the write (removed since by something else?)`);
    }
  }
  return done(plan, changes, problems, shows, stop ? 0 : plan.byIds.length);
}

function done(plan: RowsVerifyPlan, changes: readonly RowChange[], problems: string[], objectsShown: number, rowsByIds: number): RowsVerifyOutcome {
  // in the order of the changes, whichever show answered first
  const order = new Map(changes.map((c, i) => [`${c.table} ${c.id}:`, i]));
  const at = (p: string) => order.get(p.slice(0, p.indexOf(':') + 1)) ?? changes.length;
  problems.sort((a, b) => at(a) - at(b));
  const { changed, valueChecked, existenceOnly, kinds } = plan;
  return { changed, valueChecked, existenceOnly, kinds, problems, objectsShown, rowsByIds };
}
