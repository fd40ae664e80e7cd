// reconciler/asterisk.ts against the fake Asterisk in every mode, through a real LocalTarget.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import {
  checkLoaded, clip, parseEndpointParameters, parseEndpoints, parseTranslatableCodecs, parseTransports,
  reload, showEndpoint, showEndpoints, showTranslatableCodecs, showTransports, type AsteriskOptions,
} from '../reconciler/asterisk.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { createFakeAsterisk, fakeProcesses, type FakeAsterisk } from './helpers/fake-asterisk.js';

const fakes: FakeAsterisk[] = [];
test.after(() => { for (const f of fakes) f.cleanup(); });

const target = new LocalTarget({ killGraceMs: 500 });

function setup(mode = {}) {
  const f = createFakeAsterisk(mode);
  fakes.push(f);
  writeFileSync(f.mode().confPath!,
    '[phone](!)\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\naor/max_contacts = 5\n' +
    '[6000](phone)\ninbound_auth/username = 6000\nendpoint/callerid = "Desk" <6000>\n' +
    '[6001](phone)\ninbound_auth/username = 6001\n');
  const o: AsteriskOptions = { cli: [f.bin, '-rx'], reload: f.reloadArgv, timeoutMs: 10_000 };
  return { f, o };
}

test('reload succeeds only on "reloaded successfully"; endpoints are then listed with their callerid', async () => {
  const { o } = setup();
  const r = await reload(target, o);
  assert.ok(r.ok);
  const eps = await showEndpoints(target, o);
  if (!eps.ok) throw new Error(eps.detail);
  assert.equal([...eps.value], [['6000', '6000'], ['6001', '']]);
});

const FAILURES: [string, Record<string, unknown>, string[] | null, string][] = [
  ['the old runbook command', {}, ['pjsip reload'], 'no-such-command'],
  ['a module that does not exist', {}, ['module reload no_such_module.so'], 'no-such-module'],
  ['Asterisk still booting', { booting: true }, null, 'queued'],
  ['a reload already running', { reloadInProgress: true }, null, 'in-progress'],
  ['Asterisk down', { down: true }, null, 'unreachable'],
  ['an answer that is not a reload reply', {}, ['core show version'], 'unexpected-output'],
];
for (const [what, mode, command, reason] of FAILURES) {
  test(`reload: ${what} → ${reason}, even with exit 0`, async () => {
    const { f, o } = setup(mode);
    const r = await reload(target, command ? { ...o, reload: f.argv(command[0]!) } : o);
    assert.not.ok(r.ok);
    if (r.ok) return;
    assert.is(r.reason, reason);
    assert.ok(r.detail.length > 0 && r.detail.length <= 300, r.detail);
    assert.equal((await f.loaded()).endpoints, []);
  });
}

test('reload: a non-zero exit with no known text → unexpected-output', async () => {
  const r = await reload(target, { reload: ['false'], timeoutMs: 5000 });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.reason, 'unexpected-output');
});

test('reload: a hanging Asterisk times out, the child is killed', async () => {
  const { f, o } = setup({ hang: true });
  const r = await reload(target, { ...o, timeoutMs: 500 });
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.reason, 'timeout');
  assert.is(await f.reloadCount(), 1);
  // bounded poll: the killed process may take a moment to be reaped
  let left = fakeProcesses(f);
  for (let i = 0; i < 100 && left.length; i++) {
    await new Promise((res) => setTimeout(res, 50));
    left = fakeProcesses(f);
  }
  assert.equal(left, [], 'the hanging Asterisk CLI is still running');
});

test('queries give the same distinct reasons', async () => {
  const down = setup({ down: true });
  const a = await showEndpoints(target, down.o);
  assert.is(!a.ok && a.reason, 'unreachable');
  const hang = setup({ hang: true });
  const b = await showTransports(target, { ...hang.o, timeoutMs: 300 });
  assert.is(!b.ok && b.reason, 'timeout');
  const c = await showEndpoints(target, { ...down.o, cli: ['sh', '-c', 'echo garbage', 'sh'] });
  assert.is(!c.ok && c.reason, 'unexpected-output');
});

test('showTransports and showTranslatableCodecs read the fake tables', async () => {
  const { f, o } = setup({ transports: [{ name: 'transport-udp', protocol: 'udp' }, { name: 'transport-wss', protocol: 'wss' }] });
  const t = await showTransports(target, o);
  if (!t.ok) throw new Error(t.detail);
  assert.equal(t.value.map((x) => [x.name, x.protocol]), [['transport-udp', 'udp'], ['transport-wss', 'wss']]);
  const c = await showTranslatableCodecs(target, o);
  if (!c.ok) throw new Error(c.detail);
  assert.ok(c.value.has('ulaw') && c.value.has('g722'));
  assert.not.ok(c.value.has('opus'));
  f.setMode({ translatableCodecs: ['ulaw', 'opus'] });
  const d = await showTranslatableCodecs(target, o);
  assert.ok(d.ok && d.value.has('opus'));
});

test('showEndpoint: the wizard section of an endpoint, null for a missing one', async () => {
  const { o } = setup();
  await reload(target, o);
  const e = await showEndpoint(target, '6000', o);
  if (!e.ok) throw new Error(e.detail);
  assert.is(e.value?.get('@pjsip_wizard'), '6000');
  assert.is(e.value?.get('callerid'), '"Desk" <6000>');
  const m = await showEndpoint(target, '6099', o);
  assert.ok(m.ok && m.value === null);
});

test('a display name that reads like an error is not taken for one', async () => {
  const { f, o } = setup();
  writeFileSync(f.mode().confPath!, "[6000]\ntype = wizard\nendpoint/callerid = \"No such command 'x' request queued\" <6000>\n");
  assert.ok((await reload(target, o)).ok);
  const e = await showEndpoint(target, '6000', o);
  assert.ok(e.ok && e.value?.get('callerid')?.startsWith('"No such command'));
});

// ---- pure parsers
test('parseEndpoints: listing, empty, cut or foreign text', () => {
  const listing = '\n Endpoint:  <Endpoint/CID....>  <State.....>  <Channels.>\n=====\n\n' +
    ' Endpoint:  6000/6000      Unavailable   0 of inf\n     InAuth:  6000-iauth/6000\n' +
    ' Endpoint:  trunk          Not in use    0 of inf\n\nObjects found: 2\n';
  assert.equal([...parseEndpoints(listing)!], [['6000', '6000'], ['trunk', '']]);
  assert.equal(parseEndpoints('No objects found.\n')!.size, 0);
  assert.is(parseEndpoints(listing.replace('Objects found: 2', 'Objects found: 3')), null);
  assert.is(parseEndpoints("No such command 'pjsip show endpoints'"), null);
  assert.is(parseEndpoints(''), null);
});

test('parseTransports, parseTranslatableCodecs, parseEndpointParameters on foreign text', () => {
  assert.is(parseTransports('hello'), null);
  assert.equal(parseTransports('No objects found.\n'), []);
  assert.is(parseTranslatableCodecs('hello'), null);
  const old = '  Source Format (Rows) Destination Format (Columns)\n\n        ulaw  g729\n  ulaw     -     -\n  g729     -     -\n';
  assert.equal([...parseTranslatableCodecs(old)!], [], 'a row of dashes only is not translatable');
  assert.is(parseEndpointParameters('Unable to find object 6000.\n'), null);
  assert.is(parseEndpointParameters('hello'), undefined);
});

test('checkLoaded names what is missing and what should be gone', () => {
  const loaded = new Map([['6000', '6000'], ['6019', '6019']]);
  assert.equal(checkLoaded(['6000'], ['6020'], loaded), { ok: true, missing: [], stillPresent: [] });
  assert.equal(checkLoaded(['6000', '6001'], ['6019'], loaded), { ok: false, missing: ['6001'], stillPresent: ['6019'] });
});

test('clip keeps details short and on one line', () => {
  const d = clip('x\n'.repeat(1000));
  assert.ok(d.length <= 300);
  assert.not.match(d, /\n/);
});

test.run();
