// The pure half of `inspect`: Git's compiled model beside what Asterisk answered, one row per
// extension, each with the problems an administrator would otherwise find by hand (runbook: "verify
// the extension exists in pjsip"). No I/O here: reconciler/inspect.ts gathers the answers.
import { isTrue } from '../compiler/catalog.js';
import type { CompiledModel, ExtensionModel } from '../compiler/types.js';
import type { ContactRow } from './asterisk-objects.js';
import type { TransportInfo } from './asterisk.js';
import { notCompared, sameShown, sameValue } from './verify-values.js';

export type ProblemCode =
  | 'NotInGit' | 'NotLoaded' | 'AorMissing' | 'AuthMissing' | 'TransportMissing' | 'TransportProtocol'
  | 'WrongTransport' | 'NotRegistered' | 'ContactUnreachable' | 'OptionsDiffer' | 'GitDoesNotCompile';

export interface Problem { code: ProblemCode; message: string }

export interface ContactView {
  uri: string;
  /** host:port of the contact URI */
  address: string;
  status: string;
  /** only where qualify is on */
  rttMs: number | null;
  userAgent?: string;
}

export interface OptionDiff { option: string; git: string; asterisk: string }

export interface InspectRow {
  number: string;
  name: string | null;
  template: string | null;
  inGit: boolean;
  loaded: boolean;
  /** the aor the wizard makes (same id) exists */
  aor: boolean;
  /** `<n>-iauth` exists; null when Git asks for none and there is none */
  auth: boolean | null;
  transport: { git: string | null; asterisk: string | null };
  contacts: ContactView[];
  /** compared only when looked at closely (`--extension`, or a row with a problem) */
  optionDiffs?: OptionDiff[];
  /** an endpoint Git does not have: made by the wizard file, or by pjsip.conf (not ours) */
  source?: 'wizard' | 'other';
  problems: Problem[];
}

export interface TransportRow {
  name: string;
  /** declared in site.yaml (null: only in Asterisk) */
  protocol: string | null;
  asterisk: { protocol: string; bind: string } | null;
  problems: Problem[];
}

/** What Git says: the checkout's commit compiled as a pass compiles it. */
export interface GitSide {
  commit: string;
  model?: CompiledModel;
  /** why there is no model (the commit does not compile) */
  error?: string;
}

/** What Asterisk answered. The per-id maps hold only the rows looked at closely. */
export interface AsteriskSide {
  /** endpoint id → the transport it uses ('' when none) */
  endpoints: Map<string, string>;
  aors: Set<string>;
  auths: Set<string>;
  contacts: ContactRow[];
  transports: TransportInfo[];
  endpointParams: Map<string, Map<string, string> | null>;
  aorParams: Map<string, Map<string, string> | null>;
  /** `<aor>/<hash>` → user agent */
  userAgents: Map<string, string>;
}

export const emptyDetails = (): Pick<AsteriskSide, 'endpointParams' | 'aorParams' | 'userAgents'> =>
  ({ endpointParams: new Map(), aorParams: new Map(), userAgents: new Map() });

export { sameValue } from './verify-values.js';

/** Every option Git sets that Asterisk prints differently; options with no row of their own are skipped. */
export function optionDiffs(ext: ExtensionModel, endpoint: Map<string, string> | undefined, aor: Map<string, string> | undefined): OptionDiff[] {
  const out: OptionDiff[] = [];
  const check = (option: string, git: string, rows: Map<string, string> | undefined, row: string) => {
    const shown = rows?.get(row);
    if (shown !== undefined && !(option.includes('/') ? sameShown(option, git, shown) : sameValue(git, shown))) out.push({ option, git, asterisk: shown });
  };
  for (const [key, value] of Object.entries(ext.options)) {
    const slash = key.indexOf('/');
    if (slash < 0) continue;
    const [prefix, name] = [key.slice(0, slash), key.slice(slash + 1)];
    if (notCompared(key)) continue; // no row can confirm it (reconciler/verify-values.ts)
    if (prefix === 'endpoint') check(key, value, endpoint, name);
    else if (prefix === 'aor') check(key, value, aor, name);
  }
  if (ext.codecs.length) check('codecs', ext.codecs.join(','), endpoint, 'allow');
  check('name', `"${ext.name}" <${ext.number}>`, endpoint, 'callerid');
  return out;
}

/** site.yaml's transports beside `pjsip show transports`. */
export function transportRows(model: CompiledModel | undefined, shown: TransportInfo[]): TransportRow[] {
  const byName = new Map(shown.map((t) => [t.name, t]));
  const rows: TransportRow[] = [];
  for (const [name, t] of Object.entries(model?.transports ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const a = byName.get(name);
    const problems: Problem[] = [];
    if (!a) problems.push({ code: 'TransportMissing', message: `site.yaml's transport ${name} (${t.protocol}) is not in Asterisk (pjsip.conf; a new transport needs a restart)` });
    else if (a.protocol !== t.protocol) problems.push({ code: 'TransportProtocol', message: `transport ${name} is ${a.protocol} in Asterisk, ${t.protocol} in site.yaml` });
    rows.push({ name, protocol: t.protocol, asterisk: a ? { protocol: a.protocol, bind: a.bind } : null, problems });
  }
  for (const a of shown) if (!model?.transports[a.name]) rows.push({ name: a.name, protocol: null, asterisk: { protocol: a.protocol, bind: a.bind }, problems: [] });
  return rows;
}

/** `sip:6010@127.0.0.1:5060;transport=ws` → `127.0.0.1:5060`. */
export function contactAddress(uri: string): string {
  const m = /^sips?:(?:[^@;]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?/.exec(uri);
  return m ? (m[2] ? `${m[1]}:${m[2]}` : m[1]!) : uri;
}

const byNumber = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** One row per extension in Git or endpoint in Asterisk (and per `extraIds`), sorted by number. */
export function buildRows(git: GitSide, ast: AsteriskSide, extraIds: string[] = []): InspectRow[] {
  const model = git.model;
  const inGit = new Map((model?.extensions ?? []).map((e) => [e.number, e]));
  const transports = new Map(ast.transports.map((t) => [t.name, t]));
  const ids = [...new Set([...inGit.keys(), ...ast.endpoints.keys(), ...extraIds])].sort(byNumber);
  return ids.map((id) => rowOf(id, inGit.get(id), git, ast, transports));
}

function rowOf(id: string, ext: ExtensionModel | undefined, git: GitSide, ast: AsteriskSide, transports: Map<string, TransportInfo>): InspectRow {
  const loaded = ast.endpoints.has(id);
  const wantsAuth = ext ? isTrue(ext.options.accepts_auth ?? 'no') : false;
  const hasAuth = ast.auths.has(`${id}-iauth`);
  const contacts = ast.contacts.filter((c) => c.aor === id).map((c) => contactView(c, ast.userAgents.get(`${c.aor}/${c.hash}`)));
  const row: InspectRow = {
    number: id, name: ext?.name ?? null, template: ext?.template ?? null, inGit: ext !== undefined, loaded,
    aor: ast.aors.has(id), auth: wantsAuth || hasAuth ? hasAuth : null,
    transport: { git: ext?.transport ?? null, asterisk: loaded ? ast.endpoints.get(id) || null : null },
    contacts, problems: [],
  };
  const p = (code: ProblemCode, message: string) => row.problems.push({ code, message });
  if (!ext) {
    const params = ast.endpointParams.get(id);
    // `@pjsip_wizard` names the wizard section that made it: without it the endpoint is pjsip.conf's, not ours
    if (params) row.source = params.has('@pjsip_wizard') ? 'wizard' : 'other';
    if (row.source !== 'other') {
      p('NotInGit', git.model ? (loaded ? `Asterisk has endpoint ${id} from the wizard file, but Git has no such extension (a hand edit not reverted yet?)`
        : `no extension ${id} in Git, and no endpoint ${id} in Asterisk`) : `Git's commit does not compile: cannot tell whether ${id} belongs`);
    }
    return row;
  }
  if (!loaded) p('NotLoaded', `Git has ${id} but Asterisk has no endpoint ${id}: its wizard section was refused (see Asterisk's log), or the file with it is not live yet`);
  // without its endpoint, a missing aor or auth says nothing more than NotLoaded
  if (loaded && !row.aor) p('AorMissing', `no aor ${id} in Asterisk: phones cannot register to ${id}`);
  if (loaded && wantsAuth && !hasAuth) p('AuthMissing', `no auth ${id}-iauth in Asterisk: ${id} cannot authenticate`);
  const want = ext.transport;
  if (want) {
    const t = transports.get(want);
    const declared = git.model?.transports[want]?.protocol;
    if (!t) p('TransportMissing', `transport ${want} (Git) does not exist in Asterisk`);
    else if (declared && t.protocol !== declared) p('TransportProtocol', `transport ${want} is ${t.protocol} in Asterisk, ${declared} in site.yaml`);
    if (loaded && row.transport.asterisk !== want) p('WrongTransport', `endpoint ${id} uses ${row.transport.asterisk ?? 'no transport'} in Asterisk, Git says ${want}`);
  }
  if (loaded && row.aor && isTrue(ext.options.accepts_registrations ?? 'no') && contacts.length === 0) p('NotRegistered', `no phone is registered to ${id}`);
  for (const c of contacts.filter((c) => c.status === 'Unavail')) p('ContactUnreachable', `contact ${c.address} does not answer qualify (OPTIONS)`);
  if (ast.endpointParams.has(id) || ast.aorParams.has(id)) {
    row.optionDiffs = optionDiffs(ext, ast.endpointParams.get(id) ?? undefined, ast.aorParams.get(id) ?? undefined);
    if (row.optionDiffs.length) p('OptionsDiffer', `Asterisk's effective ${row.optionDiffs.map((d) => d.option).join(', ')} differ${row.optionDiffs.length === 1 ? 's' : ''} from Git`);
  }
  return row;
}

function contactView(c: ContactRow, userAgent: string | undefined): ContactView {
  return { uri: c.uri, address: contactAddress(c.uri), status: c.status, rttMs: c.status === 'NonQual' ? null : c.rttMs,
    ...(userAgent !== undefined ? { userAgent } : {}) };
}
