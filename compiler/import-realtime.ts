// Rows of Asterisk's realtime tables (ps_endpoints, ps_aors, ps_auths) → the import model. Pure: the CLI
// reads the rows. Each endpoint whose aor and auth are the wizard's (`aors = <id>`, `auth = <id>-iauth`)
// is written back as the wizard section that makes those objects, and that text goes through the wizard
// file's import — the same grouping, secrets handling and round-trip check. A row the wizard cannot
// make (an endpoint with someone else's aor or auth, an aor or auth no endpoint uses) is reported.
import { REALTIME_TABLES, type RealtimeTable } from './realtime-schema.js';
import type { RealtimeRows, Row } from './realtime-rows.js';
import { escapeValue } from './escape-value.js';
import { importWizard, type ImportOptions, type ImportResult } from './import.js';
import { compareNumbers } from './resolve.js';
import type { Diagnostic } from './types.js';

const PREFIX: Record<RealtimeTable, string> = { ps_endpoints: 'endpoint/', ps_aors: 'aor/', ps_auths: 'inbound_auth/' };
// a value that could end its line or start another cannot be written as a wizard option
const UNWRITABLE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export interface RealtimeWizard {
  /** wizard sections, one per endpoint, in number order */
  text: string;
  /** rows the wizard cannot make, one sentence each, naming table and id (never a value) */
  problems: string[];
}

function options(table: RealtimeTable, row: Row, skip: readonly string[], problems: string[]): string[] {
  const out: string[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (column === 'id' || skip.includes(column)) continue;
    if (UNWRITABLE.test(value)) { problems.push(`${table} ${row.id}: ${column} holds a control character`); continue; }
    out.push(`${PREFIX[table]}${column} = ${escapeValue(value)}`);
  }
  return out;
}

/** The wizard sections that make the same endpoints, aors and auths as the rows. */
export function wizardOfRows(rows: RealtimeRows): RealtimeWizard {
  const problems: string[] = [];
  const used: Record<RealtimeTable, Set<string>> = { ps_endpoints: new Set(), ps_aors: new Set(), ps_auths: new Set() };
  const sections: string[] = [];
  for (const id of Object.keys(rows.ps_endpoints).sort(compareNumbers)) {
    const endpoint = rows.ps_endpoints[id]!;
    used.ps_endpoints.add(id);
    const aor = rows.ps_aors[id];
    if (endpoint.aors !== id || !aor) {
      problems.push(`ps_endpoints ${id}: aors is ${endpoint.aors === undefined ? 'not set' : `'${endpoint.aors}'`}; the wizard makes one aor named like the endpoint`);
      continue;
    }
    const authId = `${id}-iauth`;
    const auth = endpoint.auth === undefined ? undefined : rows.ps_auths[authId];
    if (endpoint.auth !== undefined && (endpoint.auth !== authId || !auth)) {
      problems.push(`ps_endpoints ${id}: auth is '${endpoint.auth}'; the wizard makes one auth named ${authId}`);
      continue;
    }
    used.ps_aors.add(id);
    if (auth) used.ps_auths.add(authId);
    const lines = [`[${id}]`, 'type = wizard', 'accepts_registrations = yes'];
    if (auth) lines.push('accepts_auth = yes');
    if (endpoint.transport !== undefined) lines.push(`transport = ${escapeValue(endpoint.transport)}`);
    lines.push(...options('ps_endpoints', endpoint, ['aors', 'auth', 'transport'], problems));
    lines.push(...options('ps_aors', aor, [], problems));
    // userpass is what the wizard writes when none is given
    if (auth) lines.push(...options('ps_auths', auth, auth.auth_type === 'userpass' ? ['auth_type'] : [], problems));
    sections.push(lines.join('\n'));
  }
  for (const table of REALTIME_TABLES) {
    for (const id of Object.keys(rows[table]).sort()) {
      if (!used[table].has(id)) problems.push(`${table} ${id}: no endpoint uses it as the wizard would; left out`);
    }
  }
  return { text: sections.length ? `${sections.join('\n\n')}\n` : '', problems };
}

/**
 * The realtime tables as an import: site.yaml and one file per extension, passwords moved to the
 * secrets map as the wizard file's import moves them. Line numbers would point into generated text:
 * diagnostics name the section instead (their messages do).
 */
export function importRealtimeRows(rows: RealtimeRows, opts: ImportOptions = {}): ImportResult {
  const file = opts.file ?? 'realtime tables';
  const { text, problems } = wizardOfRows(rows);
  const rowProblems: Diagnostic[] = problems.map((message) => ({ code: 'IMPORT_REALTIME_ROW', severity: 'error', file, line: 0, col: 0,
    endLine: 0, endCol: 0, message, hint: 'change or remove the row, or keep such objects in pjsip.conf' }));
  const result = importWizard(text, { ...opts, file });
  const diagnostics = [...rowProblems, ...result.diagnostics.map((d) => (d.file === file ? { ...d, line: 0, col: 0, endLine: 0, endCol: 0 } : d))];
  return rowProblems.length ? { ...result, ok: false, files: [], secrets: {}, diagnostics } : { ...result, diagnostics };
}
