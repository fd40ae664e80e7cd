// Realtime as a real Asterisk 22.10.1 with res_config_sqlite3 answers it (test/real/realtime.test.ts
// checks the real one): `module show like`, `core show config mappings`, `realtime load`, and the
// objects of `pjsip show endpoint|aor|auth <id>` read from the SQLite file when sorcery maps their type
// to realtime. Mode `realtime`: { database, module (default true), extconfig (tables mapped, default
// all three), sorcery (object types read from realtime, default all three) } — database is the file
// res_config_sqlite3.conf's dbfile names. No listing (`pjsip show|list endpoints|aors|auths`) holds a
// realtime object, as on a real 22.10.1: res_config_sqlite3 hands a multi-row fetch its NULL columns as
// empty values, sorcery refuses them and drops every row.
import { execFileSync } from 'node:child_process';

const TABLES = ['ps_endpoints', 'ps_aors', 'ps_auths'];
const TABLE_OF = { endpoint: 'ps_endpoints', aor: 'ps_aors', auth: 'ps_auths' };

const moduleLoaded = (rt) => !!rt && rt.module !== false;

/** `module show like <name>`: res_config_sqlite3.so listed as Running when the mode says it is loaded; res_pjsip.so always. */
export function showModulesLike(config, name) {
  const head = 'Module                         Description                              Use Count  Status      Support Level\n';
  if (name === 'res_pjsip.so') {
    return `${head}res_pjsip.so                   Basic SIP resource                       49         Running              core\n1 modules loaded\n`;
  }
  if (name === 'res_config_sqlite3.so' || name === 'res_config_sqlite3') {
    if (moduleLoaded(config.realtime)) {
      return `${head}res_config_sqlite3.so          SQLite 3 realtime config engine          0          Running              core\n1 modules loaded\n`;
    }
  }
  return `${head}0 modules loaded\n`;
}

function mapped(rt) {
  return moduleLoaded(rt) ? (rt.extconfig ?? TABLES) : [];
}

/** `core show config mappings`, families listed newest first as Asterisk keeps them. */
export function showConfigMappings(config) {
  if (!moduleLoaded(config.realtime)) return 'No config mappings found.\n';
  return ['Config Engine: sqlite3', ...[...mapped(config.realtime)].reverse().map((t) => `===> ${t} (db=asterisk, table=${t})`), ''].join('\n');
}

/** One row of the file res_config_sqlite3 reads, null when there is none (or no such table). */
function readRow(rt, table, id) {
  try {
    const out = execFileSync('sqlite3', ['-readonly', '-json', rt.database, `SELECT * FROM "${table}" WHERE id = '${id.replace(/'/g, "''")}';`], { encoding: 'utf8' });
    const rows = out.trim() ? JSON.parse(out) : [];
    return rows[0] ?? null;
  } catch {
    return null;
  }
}

/** `realtime load <family> <column> <value>` for column id. */
export function realtimeLoad(config, family, column, value) {
  const rt = config.realtime;
  const row = column === 'id' && mapped(rt).includes(family) ? readRow(rt, family, value) : null;
  if (!row) return 'No rows found matching search criteria.\n';
  const lines = Object.entries(row).map(([k, v]) => `${k.padStart(30)}  ${String(v ?? '').padEnd(30)}`);
  return [`${'Column Name'.padStart(30)}  ${'Column Value'.padEnd(30)}`, `${'-'.repeat(20).padStart(30)}  ${'-'.repeat(20).padEnd(30)}`, ...lines, ''].join('\n');
}

/** The state with the realtime object of that id added, when sorcery reads its type from realtime and the row exists. */
export function withRealtimeObject(state, config, type, id) {
  const rt = config.realtime;
  if (!rt || !TABLE_OF[type] || state.objects[type]?.[id]) return state;
  if (!(rt.sorcery ?? Object.keys(TABLE_OF)).includes(type) || !mapped(rt).includes(TABLE_OF[type])) return state;
  const row = readRow(rt, TABLE_OF[type], id);
  if (!row) return state;
  const fields = Object.fromEntries(Object.entries(row).filter(([k, v]) => k !== 'id' && v !== null).map(([k, v]) => [k, String(v)]));
  return { ...state, objects: { ...state.objects, [type]: { ...state.objects[type], [id]: { section: `realtime ${TABLE_OF[type]}`, fields } } } };
}
