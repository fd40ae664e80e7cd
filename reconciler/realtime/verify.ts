// After rows changed: does Asterisk see each changed object, with the values the row holds? Read with
// `pjsip show endpoint|aor|auth <id>` one object at a time (a realtime object is read from the table
// on that request). `pjsip show auth` prints the password: its output is compared here and dropped.
import { isTrue } from '../../compiler/catalog.js';
import { factOf } from '../../compiler/option-facts.js';
import { OBJECT_OF, type RealtimeTable } from '../../compiler/realtime-schema.js';
import type { Row } from '../../compiler/realtime-rows.js';
import { DEFAULT_ASTERISK_OPTIONS, classify, parseEndpointParameters, type AsteriskOptions } from '../asterisk.js';
import type { Target } from '../target.js';
import type { RowChange } from './rows-diff.js';

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
  | { ok: false; table: RealtimeTable; id: string; problem: string };

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
  if (typeof shown === 'string') return { ok: false, table, id, problem: shown };
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
