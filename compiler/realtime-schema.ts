// Asterisk 22's realtime tables for endpoints, aors and auths, as SQLite sees them, and the lines an
// administrator adds to Asterisk to read them (sorcery.conf, extconfig.conf, res_config_sqlite3.conf).
// A column is named like the object's option: every option of the catalog for these three objects has
// one in the Alembic scripts of 22.10.1 (contrib/ast-db-manage/config/versions), checked one by one.
import catalog from '../schemas/pjsip-options-22.json' with { type: 'json' };

export const REALTIME_TABLES = ['ps_endpoints', 'ps_aors', 'ps_auths'] as const;
export type RealtimeTable = (typeof REALTIME_TABLES)[number];

/** The sorcery object type each table holds. */
export const OBJECT_OF: Record<RealtimeTable, 'endpoint' | 'aor' | 'auth'> = { ps_endpoints: 'endpoint', ps_aors: 'aor', ps_auths: 'auth' };

const objects = catalog.objects as unknown as Record<string, { options: Record<string, { type: string }> }>;

const cache = new Map<RealtimeTable, string[]>();

/**
 * The table's columns, `id` first. Asterisk applies a row's fields in the table's column order, so
 * `disallow` comes right before `allow` (after it, it would wipe the allowed codecs).
 */
export function realtimeColumns(table: RealtimeTable): string[] {
  let cols = cache.get(table);
  if (!cols) {
    // `type` is fixed by the sorcery mapping, not a column
    const names = Object.keys(objects[OBJECT_OF[table]]!.options).filter((n) => n !== 'type' && n !== 'disallow').sort();
    const at = names.indexOf('allow');
    if (at >= 0) names.splice(at, 0, 'disallow');
    cols = ['id', ...names];
    cache.set(table, cols);
  }
  return cols;
}

/** Whether `name` can be a column here (they all come from the catalog; `100rel` starts with a digit). */
export function isColumnName(name: string): boolean {
  return /^[a-z0-9_]+$/.test(name);
}

/** A column name as an SQL identifier: quoted, since `100rel` is no bare identifier. */
export function sqlColumn(name: string): string {
  if (!isColumnName(name)) throw new Error(`not a column name: ${JSON.stringify(name.slice(0, 40))}`);
  return `"${name}"`;
}

/** CREATE TABLE for SQLite: every value is text (Asterisk reads all of them as strings). */
export function createTableSql(table: RealtimeTable): string {
  const cols = realtimeColumns(table).filter((c) => c !== 'id').map((c) => `  ${sqlColumn(c)} TEXT`);
  return `CREATE TABLE IF NOT EXISTS ${table} (\n  id TEXT PRIMARY KEY NOT NULL,\n${cols.join(',\n')}\n);`;
}

/** What an administrator adds to Asterisk for the realtime strategy, as text to read and copy. */
export function realtimeSetupText(database: string): string {
  const maps = REALTIME_TABLES.map((t) => `${OBJECT_OF[t]}=realtime,${t}`);
  const ext = REALTIME_TABLES.map((t) => `${t} => sqlite3,asterisk,${t}`);
  return [
    '; /etc/asterisk/sorcery.conf — endpoints, aors and auths come from the realtime tables',
    '; (no memory cache: a cached object would not see a changed row until it expires)',
    '[res_pjsip]',
    ...maps,
    '',
    '; /etc/asterisk/extconfig.conf',
    '[settings]',
    ...ext,
    '',
    '; /etc/asterisk/res_config_sqlite3.conf — batch = 0: another program writes the file',
    '[asterisk]',
    `dbfile => ${database}`,
    'requirements = warn',
    'batch = 0',
    '',
    `-- the tables, in ${database} (sqlite3 ${database} < this part)`,
    ...REALTIME_TABLES.map(createTableSql),
    '',
    '; Then: load res_config_sqlite3.so before res_pjsip.so (modules.conf autoload does) and restart',
    '; Asterisk once; wizard sections for the same extensions must be removed from pjsip_wizard.conf.',
    '',
  ].join('\n');
}
