// Before a realtime pass writes a row: does this Asterisk really read endpoints, aors and auths from the
// realtime tables of this database? Asked of Asterisk itself, not of /etc/asterisk (files may include
// others, be another host's, or not be what Asterisk loaded): res_config_sqlite3 running, an extconfig
// mapping of each table (`core show config mappings`), and — outside dry runs — probe rows written to
// the database and looked up with `pjsip show aor|auth|endpoint` (sorcery.conf maps the object type to
// realtime) and, when that fails, `realtime load` (the mapping reads this very file). The probe rows
// are removed at once; the probe endpoint can do nothing meanwhile (random id, random password, no codec,
// a context that does not exist). `pjsip show auth` and `realtime load` print the password: never kept.
import { randomBytes } from 'node:crypto';
import { OBJECT_OF, REALTIME_TABLES, type RealtimeTable } from '../../compiler/realtime-schema.js';
import type { Row } from '../../compiler/realtime-rows.js';
import { CREDENTIAL_OPTIONS } from '../../compiler/secrets-policy.js';
import { query, type AsteriskOptions, type Outcome } from '../asterisk.js';
import { asteriskError, messageOf, stalled, type PassError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Target } from '../target.js';
import { changeSql, sqlString } from './rows-diff.js';
import { runTransaction, type SqliteOptions } from './sqlite.js';
import { sqliteError } from './strategy.js';

export const REALTIME_MODULE = 'res_config_sqlite3.so';
const ENGINE = 'sqlite3';

export interface RealtimeHostContext {
  target: Target;
  database: string;
  asterisk: Partial<AsteriskOptions>;
  log: Logger;
  sqlite?: SqliteOptions;
}

/** `module show like <m>`: whether the module's row says Running; null when the answer is no module listing. */
export function parseModuleRunning(text: string, module: string): boolean | null {
  if (!/^\d+ modules? loaded/m.test(text)) return null;
  const row = text.split('\n').find((l) => l.startsWith(`${module} `));
  return !!row && /\sRunning\s/.test(`${row} `);
}

export interface ConfigMapping { family: string; database: string; table: string }

/** `core show config mappings`: the families each realtime engine serves. */
export function parseConfigMappings(text: string): Map<string, ConfigMapping[]> | null {
  const out = new Map<string, ConfigMapping[]>();
  if (/^No config mappings found\./m.test(text)) return out;
  let engine: string | undefined;
  for (const line of text.split('\n')) {
    const e = /^Config Engine: (\S+)/.exec(line);
    if (e) { engine = e[1]!; out.set(engine, []); continue; }
    const m = /^===> (\S+) \(db=(.*), table=(.*)\)\s*$/.exec(line);
    if (m && engine) out.get(engine)!.push({ family: m[1]!, database: m[2]!, table: m[3]! });
  }
  return out.size || text.trim() === '' ? out : null;
}

// `pjsip show auth` rows (`password : …`) and `realtime load` rows (`password  …`): dropped before any detail is kept
const CREDENTIAL_ROW = new RegExp(`^\\s*(?:${CREDENTIAL_OPTIONS.join('|')})\\b`);
const withoutCredentials = (text: string) => text.split('\n').filter((l) => !CREDENTIAL_ROW.test(l)).join('\n');

function answer<T>(o: Outcome<T>, command: string): T {
  if (!o.ok) throw asteriskError(o, `'${command}'`);
  return o.value;
}

function refuse(database: string, missing: string[]): PassError {
  return stalled('RealtimeNotConfigured', `Asterisk does not read endpoints, aors and auths from the realtime tables of ${database}: ` +
    `${missing.join('; ')}. Add what \`pjsip-gitops realtime setup\` prints and restart Asterisk; no row was written`);
}

/** The whole check; `probe: false` (dry runs, suspended passes) asks only what needs no write. */
export async function checkRealtimeHost(ctx: RealtimeHostContext, opts: { probe: boolean }): Promise<void> {
  const { target, asterisk, database } = ctx;
  const moduleCmd = `module show like ${REALTIME_MODULE}`;
  const running = answer(await query(target, asterisk, moduleCmd, (t) => parseModuleRunning(t, REALTIME_MODULE)), moduleCmd);
  if (!running) {
    throw refuse(database, [`${REALTIME_MODULE} is not running (\`${moduleCmd}\`): load it before res_pjsip.so in modules.conf`]);
  }
  const mapCmd = 'core show config mappings';
  const mappings = answer(await query(target, asterisk, mapCmd, parseConfigMappings), mapCmd).get(ENGINE) ?? [];
  const families = new Map<RealtimeTable, ConfigMapping>();
  for (const t of REALTIME_TABLES) {
    const m = mappings.find((x) => x.table === t);
    if (m) families.set(t, m);
  }
  const unmapped = REALTIME_TABLES.filter((t) => !families.has(t));
  if (unmapped.length) {
    throw refuse(database, unmapped.map((t) => `extconfig.conf [settings] has no \`${t} => ${ENGINE},asterisk,${t}\` (\`${mapCmd}\` lists no ${ENGINE} family for table ${t})`));
  }
  if (opts.probe) await probe(ctx, families);
}

/** Probe rows for the three tables: an endpoint whose aor and auth are the probe's own. */
function probeRows(id: string, password: string): Record<RealtimeTable, Row> {
  return {
    ps_endpoints: { id, aors: id, auth: id, context: 'pjsip-gitops-probe-no-such-context', allow: '!all' },
    ps_aors: { id, max_contacts: '0' },
    ps_auths: { id, auth_type: 'userpass', username: id, password },
  };
}

async function probe(ctx: RealtimeHostContext, families: Map<RealtimeTable, ConfigMapping>): Promise<void> {
  const { target, database, log } = ctx;
  const id = `pjsip-gitops-probe-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  log.addSecret(password);
  const rows = probeRows(id, password);
  try {
    await runTransaction(target, database, REALTIME_TABLES.map((t) => changeSql({ table: t, id, kind: 'insert', after: rows[t], columns: Object.keys(rows[t]) })), ctx.sqlite);
  } catch (err) {
    throw sqliteError(err, `cannot write the probe rows that check Asterisk reads ${database}`);
  }
  let missing: string[];
  try {
    missing = [];
    for (const t of REALTIME_TABLES) {
      const why = await probeTable(ctx, t, families.get(t)!, id);
      if (why) missing.push(why);
    }
  } finally {
    await runTransaction(target, database, REALTIME_TABLES.map((t) => `DELETE FROM ${t} WHERE id = ${sqlString(id)};`), ctx.sqlite)
      .catch((err: unknown) => log.error('realtime.probe-cleanup-failed', { id, error: messageOf(err) }));
  }
  if (missing.length) throw refuse(database, missing);
  log.info('realtime.host-checked', { database, probe: id });
}

/** Why Asterisk does not see the table's probe row, or undefined when it does. */
async function probeTable(ctx: RealtimeHostContext, table: RealtimeTable, map: ConfigMapping, id: string): Promise<string | undefined> {
  const object = OBJECT_OF[table];
  const show = `pjsip show ${object} ${id}`;
  // the output (an auth's password among it) is only searched for "not found"
  const found = answer(await query(ctx.target, ctx.asterisk, show, (t) => !/^Unable to find object /m.test(t), withoutCredentials), show);
  if (found) return undefined;
  const load = `realtime load ${map.family} id ${id}`;
  const loaded = await query(ctx.target, ctx.asterisk, load, (t) => !/^No rows found matching search criteria/m.test(t), withoutCredentials);
  const sorcery = `sorcery.conf [res_pjsip] has no \`${object}=realtime,${map.family}\` (\`${show}\` does not find the probe row)`;
  if (!loaded.ok) return `${sorcery}, or res_config_sqlite3.conf [${map.database}] reads another dbfile than ${ctx.database}`;
  return loaded.value ? sorcery
    : `res_config_sqlite3.conf [${map.database}] reads another file than ${ctx.database} (\`realtime load ${map.family} id …\` does not find the probe row): set dbfile => ${ctx.database}`;
}
