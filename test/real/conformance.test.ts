// The fake Asterisk (test/fake-asterisk/) checked against a real Asterisk 22.10.1: both read the SAME
// pjsip_wizard.conf, get the same commands, and must agree on what the reconciler reads — the endpoint
// set and callerids, the `ParameterName : value` rows, aors and auths, transports, translatable codecs,
// the reload and failure texts and the exit codes. Not every byte: column padding of the legend and the
// endpoint's state/channel columns are not compared. Secrets are compared, never printed.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  classify, parseEndpointParameters, parseEndpoints, parseTranslatableCodecs, parseTransports,
} from '../../reconciler/asterisk.js';
import { LISTING_PARTS, parseObjectIds } from '../../reconciler/asterisk-objects.js';
import { createFakeAsterisk, type FakeAsterisk } from '../helpers/fake-asterisk.js';
import { startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { stopKeepingFiles } from '../helpers/real-pass.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let fake: FakeAsterisk;
let shipped: Shipped;
const a = () => ast!;

interface Answer { code: number; stdout: string; stderr: string }

function run(argv: string[]): Promise<Answer> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The same command on both. */
async function both(command: string): Promise<{ real: Answer; fake: Answer }> {
  const [real, fk] = await Promise.all([run([...a().cliArgv, command]), run(fake.argv(command))]);
  return { real, fake: fk };
}

/** Writes the wizard file both read, reloads both; both must say `reloaded successfully`. */
async function load(text: string): Promise<void> {
  writeFileSync(a().wizardFile, text);
  const r = await both('module reload res_pjsip.so');
  assert.is(r.real.stdout.trim(), "Module 'res_pjsip.so' reloaded successfully.", `real: ${r.real.stdout}${r.real.stderr}`);
  assert.is(r.fake.stdout, r.real.stdout);
  assert.is(r.fake.code, r.real.code);
}

// rows that hold or derive from a secret: compared for equality, never shown in a diff
const SECRET_ROWS = ['password', 'md5_cred', 'password_digest', 'oauth_secret', 'refresh_token', 'oauth_clientid'];
// rows the real one computes from the host, not from the file
const HOST_ROWS = new Set(['device_state_busy_at']);

function rowsOf(out: string, what: string): Record<string, string> | null {
  const p = parseEndpointParameters(out);
  if (p === undefined) throw new Error(`${what}: not a ParameterName listing:\n${out.slice(0, 400)}`);
  return p && Object.fromEntries([...p].filter(([k]) => !HOST_ROWS.has(k)));
}

/** `pjsip show <type> <id>` on both: the same rows, secrets compared without being printed. */
async function sameObject(type: 'endpoint' | 'aor' | 'auth', id: string): Promise<Record<string, string> | null> {
  const r = await both(`pjsip show ${type} ${id}`);
  assert.is(r.fake.code, r.real.code, `${type} ${id}: exit code`);
  const real = rowsOf(r.real.stdout, `real ${type} ${id}`);
  const fk = rowsOf(r.fake.stdout, `fake ${type} ${id}`);
  if (real === null || fk === null) {
    assert.is(fk === null, real === null, `${type} ${id}: the real one ${real === null ? 'has none' : 'has it'}, the fake ${fk === null ? 'has none' : 'has it'}`);
    assert.is(r.fake.stdout.trim(), r.real.stdout.trim());
    return null;
  }
  for (const k of SECRET_ROWS) {
    if (!(k in real) && !(k in fk)) continue;
    assert.ok(real[k] === fk[k], `${type} ${id}: row ${k} differs (not shown)`);
    delete real[k];
    delete fk[k];
  }
  assert.equal(fk, real, `${type} ${id}: rows (fake, then real)`);
  return real;
}

async function sameEndpoints(): Promise<Map<string, string>> {
  const r = await both('pjsip show endpoints');
  const real = parseEndpoints(r.real.stdout);
  const fk = parseEndpoints(r.fake.stdout);
  assert.ok(real, `the real listing parses:\n${r.real.stdout.slice(0, 400)}`);
  assert.ok(fk, `the fake listing parses:\n${r.fake.stdout.slice(0, 400)}`);
  assert.equal(Object.fromEntries(fk!), Object.fromEntries(real!), 'endpoint id → callerid number (fake, then real)');
  if (real!.size === 0) assert.is(r.fake.stdout.trim(), r.real.stdout.trim());
  return real!;
}

/**
 * The endpoint set, then the endpoint, aor and inbound auth of each id, compared row by row, three
 * commands at a time (each fake answer is a Node start: the sample is kept small).
 */
async function sameEverything(ids: string[], endpointsOnly: string[] = []): Promise<void> {
  await sameEndpoints();
  type Item = readonly ['endpoint' | 'aor' | 'auth', string];
  const queue: Item[] = [
    ...[...new Set(ids)].flatMap((id): Item[] => [['endpoint', id], ['aor', id], ['auth', `${id}-iauth`]]),
    ...endpointsOnly.filter((id) => !ids.includes(id)).map((id): Item => ['endpoint', id]),
  ];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await sameObject(next[0], next[1]);
  };
  await Promise.all([worker(), worker(), worker()]);
}

const SECTION = (id: string, extra: string, tail = '') =>
  `\n[${id}](pjsip-gitops-defaults,softphone)\ntype = wizard\nendpoint/callerid = "Lab ${id}" <${id}>\n${extra}` +
  `inbound_auth/username = ${id}\ninbound_auth/password = Lab-${id}-pw\n${tail}`;

test.before(async () => {
  shipped = await compileShipped();
  ast = await startAsterisk();
  // the fake is configured as the host is: the same transports (and binds) as this Asterisk
  const transports = parseTransports(await ast.cli('pjsip show transports'));
  if (!transports?.length) throw new Error('the real Asterisk lists no transports');
  fake = createFakeAsterisk({ confPath: ast.wizardFile, transports: transports.map((t) => ({ name: t.name, protocol: t.protocol, bind: t.bind })) });
});
test.after(async () => {
  await ast?.stop();
  fake?.cleanup();
});

test('an empty file: both list no endpoints, and nothing under any id', withLog(a, async () => {
  await load('');
  const r = await both('pjsip show endpoints');
  assert.is(r.real.stdout.trim(), 'No objects found.');
  assert.is(r.fake.stdout.trim(), r.real.stdout.trim());
  await sameEverything(['6000']);
  const contacts = await both('pjsip show contacts');
  assert.is(contacts.fake.stdout.trim(), contacts.real.stdout.trim());
}));

test('the shipped file: the same 24 endpoints, each endpoint, aor and inbound auth with the same rows', withLog(a, async () => {
  await load(shipped.conf);
  const loaded = await sameEndpoints();
  assert.is(loaded.size, 24);
  // every endpoint's rows; aors and auths of each template's first, middle and last
  await sameEverything(['6000', '6005', '6009', '6010', '6016', '6023'], shipped.model.extensions.map((e) => e.number));
  for (const id of ['9999', 'nope']) for (const type of ['endpoint', 'aor', 'auth']) {
    const r = await both(`pjsip show ${type} ${id}`);
    assert.is(r.real.stdout.trim(), `Unable to find object ${id}.`);
    assert.is(r.fake.stdout.trim(), r.real.stdout.trim());
    assert.is(r.fake.code, r.real.code);
  }
  // nothing registered: no contacts on either
  const contacts = await both('pjsip show contacts');
  assert.is(contacts.real.stdout.trim(), 'No objects found.');
  assert.is(contacts.fake.stdout.trim(), contacts.real.stdout.trim());
}));

test('sections the real one drops, changes it refuses, a stray --;: the fake loads and keeps exactly the same', withLog(a, async () => {
  await load(shipped.conf);
  const broken = shipped.conf
    // an existing section changed to a text that fails: the real one keeps the old endpoint (old callerid)
    .replace(/^endpoint\/callerid = "Softphone 4" <6013>$/m, 'endpoint/callerid = "Changed Name" <6013>\nendpoint/dtmf_mode = bogus')
    // an existing section whose aor fails: the old aor stays
    .replace(/^endpoint\/callerid = "Softphone 5" <6014>$/m, 'endpoint/callerid = "Softphone 5" <6014>\naor/max_contacts = abc')
    + SECTION('7100', 'endpoint/media_encryption = maybe\n') // a bad enum value: no endpoint
    + SECTION('7101', 'endpoint/no_such_option = 1\n') // an unknown endpoint/ option: no endpoint
    + SECTION('7102', 'aor/max_contacts = abc\n') // a bad aor value: the endpoint without its aor
    + SECTION('7103', 'endpoint/dtls_cert_file = /nonexistent/pjsip-gitops/cert.pem\n') // a file the host lacks
    + SECTION('7104', 'inbound_auth/nonce_lifetime = soon\n') // a bad auth value: no auth
    + SECTION('7105', '', 'endpoint/callerid = "A--;B" <7105>\n') // a stray --;: every later line is lost
    + SECTION('7106', '');
  assert.match(broken, /dtmf_mode = bogus/);
  await load(broken);
  const loaded = await sameEndpoints();
  assert.ok(loaded.has('6013') && loaded.has('7102') && loaded.has('7105'), `loaded: ${[...loaded.keys()].join(' ')}`);
  for (const id of ['7100', '7101', '7103', '7106']) assert.not.ok(loaded.has(id), `${id} is not loaded`);
  await sameEverything(['6013', '6014', '6015', '7100', '7101', '7102', '7103', '7104', '7105', '7106']);
  const e6013 = await sameObject('endpoint', '6013');
  assert.is(e6013?.callerid, '"Softphone 4" <6013>', 'the failed change left the old endpoint');

  // back to the shipped file: every change undone the same way on both
  await load(shipped.conf);
  assert.is((await sameEndpoints()).size, 24);
  await sameEverything(['6013', '6014', '7102', '7105']);
}));

test('pjsip list endpoints, and the listings by id verify splits a large PBX into: the same text, the same ids', withLog(a, async () => {
  // an id without a digit and one ending in a letter: the parts must hold them too
  await load(shipped.conf + SECTION('lab', '') + SECTION('7300x', ''));
  const full = await both('pjsip list endpoints');
  assert.is(full.fake.stdout, full.real.stdout, 'pjsip list endpoints, byte for byte');
  const all = parseEndpoints(full.real.stdout);
  assert.equal(Object.fromEntries(all!), Object.fromEntries(await sameEndpoints()), 'list and show endpoints read the same');
  for (const [command, read] of [['pjsip list endpoints', (s: string) => new Set(parseEndpoints(s)?.keys() ?? [])],
    ['pjsip show aors', (s: string) => parseObjectIds(s, 'Aor')], ['pjsip show auths', (s: string) => parseObjectIds(s, 'Auth')]] as const) {
    const union: string[] = [];
    for (const part of LISTING_PARTS) {
      const r = await both(`${command} like ${part}`);
      // the endpoint rows byte for byte; the aor and auth listings' blank lines are not compared
      if (command === 'pjsip list endpoints') assert.is(r.fake.stdout, r.real.stdout, `${command} like ${part}, byte for byte`);
      const ids = read(r.real.stdout);
      assert.ok(ids, `${command} like ${part} reads:\n${r.real.stdout.slice(0, 300)}`);
      assert.equal([...(read(r.fake.stdout) ?? ['(not a listing)'])].sort(), [...ids!].sort(), `${command} like ${part}: the same ids`);
      union.push(...ids!);
    }
    const whole = read((await both(command)).real.stdout)!;
    assert.equal(union.sort(), [...whole].sort(), `${command}: its parts hold every id once`);
    assert.ok(whole.size >= 26, `${command}: ${whole.size}`);
  }
  const none = await both('pjsip list endpoints like ^nothing$');
  assert.is(none.real.stdout, 'No objects found.\n\n');
  assert.is(none.fake.stdout, none.real.stdout);
  await load(shipped.conf);
}));

test('a file the parser refuses as a whole (an unknown template): both keep every endpoint', withLog(a, async () => {
  await load(shipped.conf);
  await load(shipped.conf.replace(/^\[6010\]\(pjsip-gitops-defaults,softphone\)$/m, '[6010](pjsip-gitops-defaults,no-such-template)') + SECTION('7200', ''));
  const loaded = await sameEndpoints();
  assert.is(loaded.size, 24);
  assert.not.ok(loaded.has('7200'));
  await load(shipped.conf);
}));

test('reload commands: the same text and exit code for success, `pjsip reload` and a missing module', withLog(a, async () => {
  for (const command of ['module reload res_pjsip.so', 'module reload res_pjsip_config_wizard.so', 'pjsip reload', 'module reload no_such_module.so']) {
    const r = await both(command);
    assert.is(r.fake.stdout, r.real.stdout, command);
    assert.is(r.fake.code, r.real.code, `${command}: exit code`);
    assert.is(r.real.code, 0, `${command}: the real one exits 0`);
    const kind = (x: Answer) => classify({ ...x, timedOut: false }, 1000)?.reason ?? 'ok';
    assert.is(kind(r.fake), kind(r.real), `${command}: the reconciler reads both the same`);
  }
}));

test('pjsip show transports and core show translation read the same', withLog(a, async () => {
  const t = await both('pjsip show transports');
  assert.equal(parseTransports(t.fake.stdout), parseTransports(t.real.stdout));
  for (const name of (parseTransports(t.real.stdout) ?? []).map((x) => x.name)) {
    const d = await both(`pjsip show transport ${name}`);
    assert.equal(Object.fromEntries(parseEndpointParameters(d.fake.stdout) ?? []), Object.fromEntries(parseEndpointParameters(d.real.stdout) ?? []), `transport ${name}`);
  }
  const c = await both('core show translation');
  const real = parseTranslatableCodecs(c.real.stdout);
  assert.ok(real && real.has('ulaw') && !real.has('opus'));
  assert.equal([...(parseTranslatableCodecs(c.fake.stdout) ?? [])].sort(), [...real!].sort());
}));

test('a stopped Asterisk: exit 1 and `Unable to connect to remote asterisk` on stderr from both', withLog(a, async () => {
  await stopKeepingFiles(a());
  fake.setMode({ down: true });
  for (const command of ['module reload res_pjsip.so', 'pjsip show endpoints']) {
    const r = await both(command);
    assert.is(r.real.code, 1, `real: ${r.real.stderr}`);
    assert.is(r.fake.code, r.real.code);
    assert.match(r.real.stderr, /^Unable to connect to remote asterisk \(does .*asterisk\.ctl exist\?\)$/m);
    assert.match(r.fake.stderr, /^Unable to connect to remote asterisk \(does .*asterisk\.ctl exist\?\)$/m);
    assert.is(r.fake.stdout, r.real.stdout);
    assert.is(classify({ ...r.fake, timedOut: false }, 1000)?.reason, 'unreachable');
    assert.is(classify({ ...r.real, timedOut: false }, 1000)?.reason, 'unreachable');
  }
}));

test.run();
