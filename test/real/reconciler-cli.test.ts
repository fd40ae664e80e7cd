// The reconciler's own Asterisk CLI layer (reconciler/asterisk.ts) against a real Asterisk 22.10.1,
// configured as a user would (`asterisk.cli` / `asterisk.reload` argv): what the fake claims, the
// real one answers.
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reload, showEndpoint, showEndpoints, showTranslatableCodecs, showTransports, type AsteriskOptions } from '../../reconciler/asterisk.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { siteTransports, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { compileShipped, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let shipped: Shipped;
let opts: Partial<AsteriskOptions>;
const a = () => ast!;
const target = new LocalTarget();

test.before(async () => {
  shipped = await compileShipped();
  ast = await startAsterisk();
  opts = { cli: ast.cliArgv, reload: ast.reloadArgv };
});
test.after(async () => { await ast?.stop(); });

test('reload through the configured argv picks up the compiled file; showEndpoints reads all 24', withLog(a, async () => {
  const before = await showEndpoints(target, opts);
  assert.ok(before.ok && before.value.size === 0, 'a fresh Asterisk has no endpoint');
  writeFileSync(a().wizardFile, shipped.conf); // as the reconciler's write step would
  const r = await reload(target, opts);
  assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.detail}`);
  const after = await showEndpoints(target, opts);
  assert.ok(after.ok);
  if (!after.ok) return;
  assert.equal([...after.value.keys()].sort(), shipped.model.extensions.map((e) => e.number).sort());
  for (const [id, cid] of after.value) assert.is(cid, id, `${id}: callerid number`);
}));

test('the runbook\'s `pjsip reload` is refused as no-such-command although Asterisk exits 0', withLog(a, async () => {
  const r = await reload(target, { ...opts, reload: [...a().cliArgv, 'pjsip reload'] });
  assert.equal(r.ok ? 'ok' : r.reason, 'no-such-command');
  const m = await reload(target, { ...opts, reload: [...a().cliArgv, 'module reload no_such_module.so'] });
  assert.equal(m.ok ? 'ok' : m.reason, 'no-such-module');
}));

test('showEndpoint reads an endpoint\'s rows, and null for a missing one', withLog(a, async () => {
  const ep = await showEndpoint(target, '6010', opts);
  assert.ok(ep.ok && ep.value);
  if (!ep.ok || !ep.value) return;
  assert.is(ep.value.get('context'), 'internal');
  assert.is(ep.value.get('transport'), 'transport-udp');
  const missing = await showEndpoint(target, '6999', opts);
  assert.ok(missing.ok);
  assert.is(missing.ok && missing.value, null);
}));

test('showTransports lists the transports of site.yaml with their protocols', withLog(a, async () => {
  const t = await showTransports(target, opts);
  assert.ok(t.ok);
  if (!t.ok) return;
  const shown = t.value.map((x) => `${x.name}/${x.protocol}`).sort();
  assert.equal(shown, siteTransports().map((x) => `${x.name}/${x.protocol}`).sort());
}));

test('core show translation has no Opus row on an open-source build (why site.yaml puts opus last)', withLog(a, async () => {
  const c = await showTranslatableCodecs(target, opts);
  assert.ok(c.ok, c.ok ? '' : `${c.reason}: ${c.detail}`);
  if (!c.ok) return;
  for (const codec of ['ulaw', 'alaw', 'g722']) assert.ok(c.value.has(codec), `${codec} is translatable`);
  assert.not.ok(c.value.has('opus'));
}));

test('an Asterisk that is down is reported as unreachable', withLog(a, async () => {
  const other = await startAsterisk();
  const o = { cli: other.cliArgv, reload: other.reloadArgv };
  await other.stop();
  const r = await showEndpoints(target, o);
  assert.equal(r.ok ? 'ok' : r.reason, 'unreachable');
}));

test.run();
