// The compiled model as rows of Asterisk's realtime tables (ps_endpoints, ps_aors, ps_auths): what
// res_pjsip_config_wizard would make of each wizard section, written out, because no wizard runs in
// realtime. Pure and deterministic: same model, same rows, ids and columns in a fixed order.
import { isTrue } from './catalog.js';
import { CREDENTIAL_OPTIONS } from './secrets-policy.js';
import { compareNumbers } from './resolve.js';
import type { CompiledModel, WizardSection } from './types.js';
import { REDACTED } from './types.js';
import { realtimeColumns, type RealtimeTable } from './realtime-schema.js';

export { REALTIME_TABLES, type RealtimeTable } from './realtime-schema.js';

/** One row: column → value, `id` included. A column the model does not set is absent (NULL in SQL). */
export type Row = Record<string, string>;
/** table → id → row */
export type RealtimeRows = Record<RealtimeTable, Record<string, Row>>;

export interface RowProblem {
  extension: string;
  key: string;
  message: string;
}

export type RowsResult = { ok: true; rows: RealtimeRows } | { ok: false; problems: RowProblem[] };

/** The password-like columns of ps_auths: never printed, compared only as values. */
export function isSecretColumn(table: RealtimeTable, column: string): boolean {
  return table === 'ps_auths' && (CREDENTIAL_OPTIONS as readonly string[]).includes(column);
}

/** The row with every secret column written (secret), for logs, plans and drift reports. */
export function redactRow(table: RealtimeTable, row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = isSecretColumn(table, k) ? REDACTED : v;
  return out;
}

export function emptyRows(): RealtimeRows {
  return { ps_endpoints: {}, ps_aors: {}, ps_auths: {} };
}

/** Wizard options that make objects realtime here does not write (identify, registration, outbound
 *  auth, phoneprov, hints) or that fill options from remote hosts: refused while they are on. */
const UNSUPPORTED_WIZARD = ['remote_hosts', 'outbound_proxy', 'sends_auth', 'sends_registrations',
  'sends_line_with_registrations', 'has_phoneprov', 'server_uri_pattern', 'client_uri_pattern', 'contact_pattern',
  'has_hint', 'hint_context', 'hint_exten', 'hint_application'];

/** Options a config file may give several times and Asterisk adds up; a realtime column holds one value. */
const ADDED_UP = new Set(['endpoint/set_var', 'endpoint/permit', 'endpoint/deny', 'endpoint/acl', 'endpoint/contact_permit',
  'endpoint/contact_deny', 'endpoint/contact_acl', 'aor/contact', 'aor/mailboxes']);

/** What a wizard section holds once its templates are applied left to right, own options last (last one wins),
 *  and which keys were set in more than one layer. */
function flatten(section: WizardSection, byName: Map<string, WizardSection>): { values: Map<string, string>; layered: Set<string> } {
  const values = new Map<string, string>();
  const layered = new Set<string>();
  const layers = [...section.templates.map((t) => byName.get(t)), section];
  for (const layer of layers) {
    for (const o of layer?.options ?? []) {
      if (values.has(o.key) && values.get(o.key) !== o.value) layered.add(o.key);
      values.set(o.key, o.value);
    }
  }
  return { values, layered };
}

const TABLE_OF_PREFIX: Record<string, RealtimeTable> = { 'endpoint/': 'ps_endpoints', 'aor/': 'ps_aors', 'inbound_auth/': 'ps_auths' };
/** Prefixes of objects the wizard makes only when a wizard option asks for them (refused above when it does). */
const IGNORED_PREFIXES = ['outbound_auth/', 'identify/', 'registration/', 'phoneprov/'];

function sectionRows(section: WizardSection, byName: Map<string, WizardSection>, out: RealtimeRows, problems: RowProblem[]): void {
  const id = section.name;
  const { values, layered } = flatten(section, byName);
  const problem = (key: string, message: string) => problems.push({ extension: id, key, message });
  const on = (key: string) => values.has(key) && isTrue(values.get(key)!);

  for (const key of UNSUPPORTED_WIZARD) {
    const v = values.get(key);
    if (v !== undefined && v !== '' && (!/^(sends_|has_)/.test(key) || isTrue(v))) {
      problem(key, `${key} makes objects the realtime strategy does not write (ps_endpoints, ps_aors, ps_auths only); use the file strategy`);
    }
  }
  // without accepts_registrations the wizard makes an identify from remote_hosts (refused above)
  if (!on('accepts_registrations')) problem('accepts_registrations', 'realtime needs accepts_registrations: yes (no identify objects are written)');

  const endpoint: Row = { id };
  const aor: Row = { id };
  const auth: Row = { id: `${id}-iauth` };
  const rows: Record<RealtimeTable, Row> = { ps_endpoints: endpoint, ps_aors: aor, ps_auths: auth };
  for (const [key, value] of values) {
    const slash = key.indexOf('/');
    if (slash < 0) continue; // wizard options: handled around this loop
    const prefix = key.slice(0, slash + 1);
    const column = key.slice(slash + 1);
    if (IGNORED_PREFIXES.includes(prefix)) continue; // the wizard makes no such object here either
    const table = TABLE_OF_PREFIX[prefix];
    if (!table || !realtimeColumns(table).includes(column)) {
      problem(key, `${key} has no column in Asterisk 22's realtime ${table ?? 'tables'}`);
      continue;
    }
    if (ADDED_UP.has(key) && layered.has(key)) {
      problem(key, `${key} is set in more than one layer (defaults, template, extension); Asterisk adds them up in a file, a realtime column holds one value`);
    }
    rows[table][column] = value;
  }
  // what the wizard itself sets, after the section's own options (it appends, so it wins)
  endpoint.aors = id;
  const transport = values.get('transport');
  if (transport) endpoint.transport = transport;
  if (on('accepts_auth')) {
    if (!auth.username) problem('inbound_auth/username', 'accepts_auth needs inbound_auth/username');
    auth.auth_type ??= 'userpass'; // the wizard's default, unless the section set one
    endpoint.auth = auth.id!;
    out.ps_auths[auth.id!] = sorted(auth);
  }
  out.ps_endpoints[id] = sorted(endpoint);
  out.ps_aors[id] = sorted(aor);
}

/** id first, then columns by name: the same row always serialises the same way. */
function sorted(row: Row): Row {
  const out: Row = { id: row.id! };
  for (const k of Object.keys(row).filter((k) => k !== 'id').sort()) out[k] = row[k]!;
  return out;
}

/** The rows for every extension of the model, or why it cannot be written as realtime rows. */
export function realtimeRows(model: Pick<CompiledModel, 'sections'>): RowsResult {
  const byName = new Map(model.sections.filter((s) => s.isTemplate).map((s) => [s.name, s] as const));
  const out = emptyRows();
  const problems: RowProblem[] = [];
  const extensions = model.sections.filter((s) => !s.isTemplate).sort((a, b) => compareNumbers(a.name, b.name));
  for (const s of extensions) sectionRows(s, byName, out, problems);
  return problems.length ? { ok: false, problems } : { ok: true, rows: out };
}

/** How many rows, per table. */
export function rowCounts(rows: RealtimeRows): Record<RealtimeTable, number> {
  return { ps_endpoints: Object.keys(rows.ps_endpoints).length, ps_aors: Object.keys(rows.ps_aors).length,
    ps_auths: Object.keys(rows.ps_auths).length };
}
