// Differential test: what the compiler accepts, a real Asterisk 22.10.1 loads exactly as written; a
// sample of what it refuses, Asterisk really drops, misreads, truncates or ignores. Every catalog
// option gets valid, boundary and invalid values of its kind (test/helpers/fidelity-cases.ts), one
// option per extension; the accepted extensions are compiled together and loaded in batches (one
// reload per batch, the file growing: removing sections costs Asterisk ~50 ms each), then every
// case's objects and its option's value (`pjsip show … <id>`, read over AMI) are compared with what
// the compiler meant. Any disagreement fails the test and is printed as a table.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openAmi, type Ami } from '../helpers/ami.js';
import { generateCases, type Case } from '../helpers/fidelity-cases.js';
import { NOT_READABLE, expectedObjects, sameAsShown, targetOf, type Objects } from '../helpers/fidelity-expect.js';
import { FIDELITY_SITE, compileAccepted, extensionYaml, listLoaded, rawSection, showRows, verdicts, type Loaded } from '../helpers/fidelity-run.js';
import { startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { wsRegister } from '../helpers/ws-sip.js';
import { compile } from '../../compiler/compile.js';

const BATCH = 400;
/** Refusals that are the project's choice, not Asterisk's: the value would load, but is refused on purpose. */
const POLICY: Record<string, string> = {
  OPTION_NAME_CASE: 'Asterisk matches the name ignoring case; two spellings could set one option',
  RESERVED_OPTION: 'written from a field of its own',
  VALUE_WHITESPACE: 'YAML keeps what Asterisk trims',
  CONTROL_CHARACTER: 'could start a new config line',
  MAX_CONTACTS_ZERO: 'loads, but every REGISTER gets 403',
  REGISTRATION_WITHOUT_AUTH: 'loads, but anyone could register',
  EMPTY_VALUE: 'an empty value reads as the default or no',
  BAD_CALLERID_NAME: 'breaks the "name" <number> form',
  WEBRTC_TRANSPORT: 'loads, but every call to a browser fails',
};
/** Numbers written in C notation (0x10, +5) load as their C value; the compiler asks for plain decimal. */
const C_NOTATION = /^(\+|-?0[xX])/;

let ast: RealAsterisk | undefined;
let ami: Ami | undefined;
let files: string;
const a = () => ast!;

interface Row { n: string; key: string; value: string; verdict: string; expected: string; asterisk: string }
const disagreements: Row[] = [];
const stats = { generated: 0, accepted: 0, refused: 0, loadedAccepted: 0, loadedRefused: 0, valuesCompared: 0, registers: 0 };
let cases: Case[] = [];
let loaded: Loaded;
const acceptedSet = new Set<string>();
const diagCodes = new Map<string, string[]>();
const registered = new Map<string, number | undefined>();
const t0 = Date.now();

const short = (s: string) => (s.length > 28 ? `${s.slice(0, 12)}…(${s.length})` : s).replace(/\t/g, '\\t');

test.before(async () => {
  files = mkdtempSync(join(tmpdir(), 'fidelity-files-'));
  writeFileSync(join(files, 'readable.pem'), 'not a certificate, but readable\n');
  mkdirSync(join(files, 'ca'));
  cases = generateCases().map((c) => ({ ...c,
    value: c.value === '@existing' ? join(files, 'readable.pem') : c.value === '@existing-dir' ? join(files, 'ca') : c.value }));
  stats.generated = cases.length;
  const v = verdicts(cases);
  for (const c of cases) {
    const r = v.get(c.number)!;
    diagCodes.set(c.number, r.diagnostics.map((d) => `${d.severity === 'error' ? '' : '~'}${d.code}`));
    if (r.accepted) acceptedSet.add(c.number);
  }
  stats.accepted = acceptedSet.size;
  stats.refused = cases.length - acceptedSet.size;
  ast = await startAsterisk();
  ami = await openAmi(ast);
});
test.after(async () => {
  ami?.close();
  await ast?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

/** A deterministic sample of the refused: every refusal code of every option at least once, then every 3rd. */
function refusedSample(): Case[] {
  const seen = new Set<string>();
  return cases.filter((c, i) => {
    if (acceptedSet.has(c.number)) return false;
    const k = `${c.key}|${diagCodes.get(c.number)!.join(',')}`;
    if (!seen.has(k)) { seen.add(k); return true; }
    return i % 3 === 0;
  });
}

test('the generated cases cover every catalog option and both verdicts', () => {
  assert.ok(stats.generated > 3000, `${stats.generated} cases`);
  assert.ok(stats.accepted > 1000 && stats.refused > 1000, `${stats.accepted} accepted, ${stats.refused} refused`);
});

test('accepted and refused-sample extensions load in batches (one reload each)', withLog(a, async () => {
  const accepted = cases.filter((c) => acceptedSet.has(c.number));
  const conf = compileAccepted(accepted);
  // the compiler's file: its template sections, then one section per extension
  const parts = conf.split(/\n(?=\[)/);
  const head = parts.filter((p) => !/^\[[0-9]+\]\(/.test(p)).join('\n');
  const sections = parts.filter((p) => /^\[[0-9]+\]\(/.test(p));
  const refused = refusedSample();
  stats.loadedAccepted = sections.length;
  stats.loadedRefused = refused.length;
  // passwords first, and proved by a REGISTER before anything else is loaded (an identify or ACL case
  // loaded later could claim a loopback REGISTER for another endpoint)
  const isPassword = (sec: string) => cases.some((c) => c.what === 'password' && sec.startsWith(`[${c.number}]`));
  const passwords = sections.filter(isPassword);
  const all = [...passwords, ...sections.filter((sec) => !isPassword(sec)), ...refused.map(rawSection)];
  await a().applyWizard(`${head}\n${passwords.join('\n')}\n`);
  for (const c of cases) {
    if (c.what !== 'password' || !acceptedSet.has(c.number)) continue;
    registered.set(c.number, (await wsRegister(a().wsUrl, c.number, c.password)).final);
    stats.registers++;
  }
  let text = `${head}\n`;
  for (let i = 0; i < all.length; i += BATCH) {
    text += `${all.slice(i, i + BATCH).join('\n')}\n`;
    await a().applyWizard(text);
  }
  loaded = await listLoaded((c) => ami!.command(c));
  assert.ok(loaded.endpoints.size > 0);
}));

function objectsOf(n: string): Objects {
  return {
    endpoint: loaded.endpoints.has(n), aor: loaded.aors.has(n), iauth: loaded.auths.has(`${n}-iauth`),
    oauth: loaded.auths.has(`${n}-oauth`), identify: loaded.identifies.has(`${n}-identify`), registration: loaded.registrations.has(`${n}-reg-0`),
  };
}
const showObjects = (o: Objects) => (Object.entries(o) as [string, boolean][]).filter(([, v]) => v).map(([k]) => k).join('+') || 'none';

/** The effective options of one case's section, as the compiler resolves them. */
function effective(c: Case): Record<string, string> {
  const r = compile([{ path: 'site.yaml', text: FIDELITY_SITE }, { path: `${c.number}.yaml`, text: extensionYaml(c) }]);
  return r.ok ? r.model.extensions[0]!.options : {};
}

test('every accepted extension loads with the objects and the value the compiler meant', withLog(a, async () => {
  const cli = (cmd: string) => ami!.command(cmd);
  for (const c of cases) {
    if (!acceptedSet.has(c.number)) continue;
    const codes = diagCodes.get(c.number)!;
    const opts = effective(c);
    const want = expectedObjects(opts);
    // a file or profile the compiler cannot see: it loads only when it is there
    if (codes.includes('~HOST_REFERENCE')) want.endpoint = c.value.startsWith(files);
    const got = objectsOf(c.number);
    const row = (expected: string, asterisk: string) => disagreements.push({ n: c.number, key: c.key || c.what, value: short(c.what === 'name' ? c.name : c.what === 'password' ? '(password)' : c.value), verdict: `accepted ${codes.join(',')}`, expected, asterisk });
    if (showObjects(want) !== showObjects(got)) { row(showObjects(want), showObjects(got)); continue; }
    if (c.what === 'name') {
      const ep = await showRows(cli, 'endpoint', c.number);
      stats.valuesCompared++;
      if (ep.get('callerid') !== `"${c.name}" <${c.number}>`) row(`"${short(c.name)}" <${c.number}>`, short(ep.get('callerid') ?? '(none)'));
      continue;
    }
    if (c.what === 'password') {
      const auth = await showRows(cli, 'auth', `${c.number}-iauth`);
      stats.valuesCompared++;
      if (auth.get('password') !== c.password) { row('the password as written', 'another password'); continue; }
      if (registered.get(c.number) !== 200) row('REGISTER 200', `REGISTER ${registered.get(c.number)}`);
      continue;
    }
    const target = targetOf(c.key, c.number);
    if (!target || NOT_READABLE[c.key] || codes.some((x) => ['~NO_EFFECT', '~OVERRIDDEN_OPTION', '~IGNORED_OPTION'].includes(x))) continue;
    if (!want[target.kind === 'auth' ? (target.id.endsWith('-iauth') ? 'iauth' : 'oauth') : target.kind]) continue;
    const rows = await showRows(cli, target.kind, target.id);
    const shown = rows.get(target.row) ?? rows.get(target.row.toLowerCase());
    stats.valuesCompared++;
    if (shown === undefined) { row(`a ${target.row} row`, 'no row'); continue; }
    if (!sameAsShown(c.key, c.value, shown)) row(short(c.value), short(shown));
  }
  report();
}));

test('every refused extension of the sample is really dropped, misread or ignored by Asterisk', withLog(a, async () => {
  const cli = (cmd: string) => ami!.command(cmd);
  const start = disagreements.length;
  for (const c of refusedSample()) {
    const codes = diagCodes.get(c.number)!.filter((x) => !x.startsWith('~'));
    if (codes.some((x) => POLICY[x])) continue;
    if (codes.includes('BAD_NUMBER') && C_NOTATION.test(c.value)) continue;
    // the objects the section would make if the value were fine (its template's)
    const base = expectedObjects(effective({ ...c, key: '', value: '', name: 'x', password: 'Fidelity-pw-1' }));
    const got = objectsOf(c.number);
    if (showObjects(base) !== showObjects(got)) continue; // an object dropped: Asterisk refused it too
    const target = c.key ? targetOf(c.key, c.number) : c.what === 'name' ? { kind: 'endpoint' as const, id: c.number, row: 'callerid' } : null;
    if (!target || NOT_READABLE[c.key]) continue; // wizard-level: it was read, the objects are as usual
    const rows = await showRows(cli, target.kind, target.id);
    const shown = rows.get(target.row) ?? '';
    const exact = c.what === 'name' ? shown === `"${c.name}" <${c.number}>` : sameAsShown(c.key, c.value, shown, true);
    if (exact) {
      disagreements.push({ n: c.number, key: c.key || c.what, value: short(c.what === 'name' ? c.name : c.value), verdict: `refused ${codes.join(',')}`, expected: 'dropped or misread', asterisk: `loads exactly (${short(shown)})` });
    }
  }
  report(start);
}));

function report(from = 0): void {
  const rows = disagreements.slice(from);
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  process.stdout.write(`\nfidelity: ${stats.generated} configurations, ${stats.accepted} accepted, ${stats.refused} refused; loaded ${stats.loadedAccepted} accepted + ${stats.loadedRefused} refused; ${stats.valuesCompared} values compared, ${stats.registers} REGISTERs; ${secs} s\n`);
  if (rows.length === 0) return;
  const table = rows.map((r) => `${r.n.padEnd(7)} ${r.key.padEnd(40)} ${r.value.padEnd(30)} ${r.verdict.padEnd(34)} want ${r.expected.padEnd(28)} got ${r.asterisk}`).join('\n');
  assert.unreachable(`${rows.length} disagreements between the compiler and Asterisk 22.10.1:\n${table}`);
}

test.run();
