// `inspect`: Git beside Asterisk, per extension. Read-only on both sides: Git is the reconciler's
// checkout at its current commit (fetched only when asked), compiled as a pass compiles it; Asterisk
// is asked through `pjsip show` only (never `pjsip show auth <id>`: it prints the password).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import { showEndpoint, showTransports, type AsteriskOptions, type Outcome } from './asterisk.js';
import { showAor, showAors, showAuths, showContact, showContacts, showEndpointTransports } from './asterisk-objects.js';
import type { ReconcilerConfig } from './config.js';
import { messageOf } from './errors.js';
import { createGit, fetchAndReset, headCommit, readSourcesAtRev } from './git.js';
import { buildRows, emptyDetails, transportRows, type AsteriskSide, type GitSide, type InspectRow, type TransportRow } from './inspect-model.js';
import type { Target } from './target.js';

export interface InspectOptions {
  /** only this extension, looked at closely (options compared, user agents read) */
  extension?: string;
  /** only rows with a problem */
  problemsOnly?: boolean;
  /** fetch the branch into the checkout first (no reset: the reconciler's work tree is left alone) */
  fetch?: boolean;
}

export interface InspectReport {
  git: { commit: string; error?: string };
  transports: TransportRow[];
  extensions: InspectRow[];
  /** every problem shown (rows, transports, a commit that does not compile) */
  problems: number;
}

export type InspectResult =
  | { ok: true; report: InspectReport }
  | { ok: false; failure: 'git' | 'asterisk'; message: string };

// rows compared option by option at most, and contacts whose user agent is read, without --extension
export const CLOSE_LOOK_LIMIT = 100;
export const USER_AGENT_LIMIT = 50;
const PARALLEL = 4;

/** The checkout's current commit (or, with fetch, the branch head), compiled; throws when Git cannot be read. */
export async function readGitSide(config: ReconcilerConfig, fetch = false): Promise<GitSide> {
  const dir = config.source.checkoutDir;
  if (!existsSync(join(dir, '.git', 'HEAD'))) {
    throw new Error(`no checkout at ${dir}: the reconciler has not run a pass yet (run \`pjsip-gitops apply\` first)`);
  }
  const git = createGit(dir);
  const commit = fetch ? await fetchAndReset(git, config.source.branch, { reset: false }) : await headCommit(git);
  const sources = await readSourcesAtRev(dir, commit, config.source.extensionsPath);
  // no secrets: the model inspect compares holds none, and resolving them could generate and store new ones
  const result = compile(sources, { sourceLabel: `${config.source.extensionsPath.replace(/\/?$/, '/')}` });
  if (result.ok) return { commit, model: result.model };
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  return { commit, error: `commit ${commit.slice(0, 12)} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}; \`pjsip-gitops validate\` lists them)` };
}

function need<T>(o: Outcome<T>, command: string): T {
  if (!o.ok) throw new AsteriskUnreachable(`'${command}': ${o.reason}: ${o.detail}`);
  return o.value;
}

class AsteriskUnreachable extends Error {}

/** The listings every row needs: endpoints, aors, auths, contacts, transports. */
export async function readAsteriskSide(t: Target, o: Partial<AsteriskOptions>): Promise<AsteriskSide> {
  const [endpoints, aors, auths, contacts, transports] = await Promise.all([
    showEndpointTransports(t, o), showAors(t, o), showAuths(t, o), showContacts(t, o), showTransports(t, o)]);
  return {
    endpoints: need(endpoints, 'pjsip show endpoints'), aors: need(aors, 'pjsip show aors'), auths: need(auths, 'pjsip show auths'),
    contacts: need(contacts, 'pjsip show contacts'), transports: need(transports, 'pjsip show transports'), ...emptyDetails(),
  };
}

async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

// registration state is not configuration: a phone switched off needs no option comparison
const STATE_ONLY = new Set(['NotRegistered', 'ContactUnreachable']);

/** Endpoint and aor rows of the rows worth a closer look, into `ast`. */
async function lookCloser(t: Target, o: Partial<AsteriskOptions>, ast: AsteriskSide, rows: InspectRow[]): Promise<void> {
  await eachLimited(rows, async (row) => {
    if (row.loaded) ast.endpointParams.set(row.number, need(await showEndpoint(t, row.number, o), `pjsip show endpoint ${row.number}`));
    if (row.aor && row.inGit) ast.aorParams.set(row.number, need(await showAor(t, row.number, o), `pjsip show aor ${row.number}`));
  });
}

/** User agents of the rows' contacts: `pjsip show contact <aor>/<uri>` needs the whole URI, which the aor's `contact` row has. */
async function readUserAgents(t: Target, o: Partial<AsteriskOptions>, ast: AsteriskSide, rows: InspectRow[]): Promise<void> {
  const aors = rows.filter((r) => r.contacts.length > 0 && r.aor).map((r) => r.number);
  await eachLimited(aors, async (aor) => {
    if (!ast.aorParams.has(aor)) ast.aorParams.set(aor, need(await showAor(t, aor, o), `pjsip show aor ${aor}`));
    const full = (ast.aorParams.get(aor)?.get('contact') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const c of ast.contacts.filter((x) => x.aor === aor)) {
      // a listed URI may be cut to the column's width
      const uri = full.find((u) => u === c.uri) ?? full.find((u) => u.startsWith(c.uri));
      if (!uri) continue;
      const detail = await showContact(t, aor, uri, o);
      const agent = detail.ok ? detail.value?.get('user_agent') : undefined;
      if (agent !== undefined) ast.userAgents.set(`${aor}/${c.hash}`, agent);
    }
  });
}

export async function inspect(config: ReconcilerConfig, target: Target, opts: InspectOptions = {}): Promise<InspectResult> {
  let git: GitSide;
  try {
    git = await readGitSide(config, opts.fetch);
  } catch (err) {
    return { ok: false, failure: 'git', message: messageOf(err) };
  }
  const o = config.asterisk;
  try {
    const ast = await readAsteriskSide(target, o);
    // the asked-for extension gets a row even when neither side has it: that is the answer
    const rowsNow = () => {
      const all = buildRows(git, ast, opts.extension === undefined ? [] : [opts.extension]);
      return opts.extension === undefined ? all : all.filter((r) => r.number === opts.extension);
    };
    const first = rowsNow();
    const closer = opts.extension !== undefined ? first
      : first.filter((r) => r.problems.some((p) => !STATE_ONLY.has(p.code))).slice(0, CLOSE_LOOK_LIMIT);
    await lookCloser(target, o, ast, closer);
    const only = (rows: InspectRow[]) => (opts.problemsOnly ? rows.filter((r) => r.problems.length > 0) : rows);
    let rows = only(rowsNow());
    const contacts = rows.reduce((n, r) => n + r.contacts.length, 0);
    if (contacts > 0 && (opts.extension !== undefined || contacts <= USER_AGENT_LIMIT)) {
      await readUserAgents(target, o, ast, rows);
      const again = new Map(rowsNow().map((r) => [r.number, r]));
      rows = rows.map((r) => again.get(r.number) ?? r);
    }
    let transports = transportRows(git.model, ast.transports);
    if (opts.problemsOnly) transports = transports.filter((t) => t.problems.length > 0);
    const problems = rows.reduce((n, r) => n + r.problems.length, 0) + (git.error ? 1 : 0) +
      (opts.extension === undefined ? transports.reduce((n, t) => n + t.problems.length, 0) : 0);
    return { ok: true, report: { git: { commit: git.commit, ...(git.error ? { error: git.error } : {}) }, transports, extensions: rows, problems } };
  } catch (err) {
    if (err instanceof AsteriskUnreachable) return { ok: false, failure: 'asterisk', message: err.message };
    throw err;
  }
}
