// The shipped extensions, compiled and reloaded into a real Asterisk 22.10.1: exactly the endpoints
// the folder defines, each with its aor and auth, each with the options site.yaml gives its template.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { endpointIds, parameterRows, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { compileShipped, numbersWhere, type Shipped } from './shipped.js';

let ast: RealAsterisk | undefined;
let shipped: Shipped;
const a = () => ast!;

test.before(async () => {
  shipped = await compileShipped();
  ast = await startAsterisk();
  await ast.applyWizard(shipped.conf);
});
test.after(async () => { await ast?.stop(); });

const TRUE = new Set(['yes', 'true', 'on', '1']);
const FALSE = new Set(['no', 'false', 'off', '0']);
/** Asterisk prints booleans its own way (`true`/`false`); a wizard value `yes` must read back as true. */
function sameValue(expected: string, shown: string | undefined): boolean {
  if (shown === undefined) return false;
  const e = expected.toLowerCase();
  const s = shown.toLowerCase();
  if (TRUE.has(e)) return TRUE.has(s);
  if (FALSE.has(e)) return FALSE.has(s);
  return expected === shown;
}

const numbers = () => shipped.model.extensions.map((e) => e.number).sort();

test('exactly the extensions of extensions/ are loaded as endpoints', withLog(a, async () => {
  assert.is(numbers().length, 24, 'the shipped folder defines 24 extensions');
  const out = await a().cli('pjsip show endpoints');
  assert.equal(endpointIds(out).sort(), numbers());
  assert.match(out, /^Objects found: 24\s*$/m);
}));

test('each endpoint has its aor and its <n>-iauth inbound auth', withLog(a, async () => {
  const list = await a().cli('pjsip show endpoints');
  // one block per endpoint: "Endpoint: n/…", then "InAuth: n-iauth/n" and "Aor: n"
  for (const block of list.split(/\n(?=[ \t]*Endpoint:[ \t]+\d)/).slice(1)) {
    const id = /Endpoint:\s+(\d+)\//.exec(block)![1]!;
    assert.match(block, new RegExp(`^\\s*InAuth:\\s+${id}-iauth/${id}\\s*$`, 'm'), `${id}: inbound auth`);
    assert.match(block, new RegExp(`^\\s*Aor:\\s+${id}\\s+\\d+\\s*$`, 'm'), `${id}: aor`);
  }
  const aors = [...(await a().cli('pjsip show aors')).matchAll(/^\s*Aor:\s+(\S+)\s+\d+/gm)].map((m) => m[1]!).filter((x) => !x.startsWith('<'));
  assert.equal(aors.sort(), numbers());
  const auths = [...(await a().cli('pjsip show auths')).matchAll(/^\s*Auth:\s+(\S+)\/(\S+)/gm)].filter((m) => !m[1]!.startsWith('<'));
  assert.equal(auths.map((m) => m[1]!).sort(), numbers().map((n) => `${n}-iauth`));
  for (const m of auths) assert.is(m[2], m[1]!.replace(/-iauth$/, ''), `${m[1]} authenticates username ${m[2]}`);
}));

test('each endpoint shows the effective options of its template (site.yaml), its callerid and codecs', withLog(a, async () => {
  for (const ext of shipped.model.extensions) {
    const ep = parameterRows(await a().cli(`pjsip show endpoint ${ext.number}`));
    assert.is(ep.get('@pjsip_wizard'), ext.number, `${ext.number} was made by the wizard from its own section`);
    assert.is(ep.get('callerid'), `"${ext.name}" <${ext.number}>`);
    assert.is(ep.get('transport'), ext.transport, `${ext.number}: transport`);
    assert.is(ep.get('aors'), ext.number);
    assert.is(ep.get('auth'), `${ext.number}-iauth`);
    assert.equal(ep.get('allow')?.replace(/^\(|\)$/g, '').split('|'), ext.codecs, `${ext.number}: codecs in order`);
    const aor = parameterRows(await a().cli(`pjsip show aor ${ext.number}`));
    const auth = parameterRows(await a().cli(`pjsip show auth ${ext.number}-iauth`));
    assert.is(auth.get('username'), ext.number);
    for (const [key, value] of Object.entries(ext.options)) {
      const [kind, name] = key.includes('/') ? key.split('/') as [string, string] : ['wizard', key];
      const rows = kind === 'endpoint' ? ep : kind === 'aor' ? aor : kind === 'inbound_auth' ? auth : null;
      if (!rows) continue; // wizard-level (accepts_auth, accepts_registrations): the aor and auth above are their effect
      assert.ok(sameValue(value, rows.get(name)), `${ext.number} ${key}: expected ${value}, Asterisk shows ${rows.get(name)}`);
    }
  }
}));

test('webrtc = yes turns on DTLS-SRTP, ICE, AVPF and rtcp-mux; the other endpoints keep plain RTP', withLog(a, async () => {
  const webrtc = numbersWhere(shipped.model, 'endpoint/webrtc', 'yes');
  assert.ok(webrtc.length > 0, 'site.yaml has a webrtc template in use');
  for (const ext of shipped.model.extensions) {
    const ep = parameterRows(await a().cli(`pjsip show endpoint ${ext.number}`));
    const on = webrtc.includes(ext.number);
    assert.is(ep.get('media_encryption'), on ? 'dtls' : 'no', `${ext.number} media_encryption`);
    for (const flag of ['ice_support', 'use_avpf', 'rtcp_mux']) {
      assert.ok(sameValue(on ? 'yes' : 'no', ep.get(flag)), `${ext.number} ${flag} = ${ep.get(flag)}`);
    }
    // the compiler refuses a webrtc template on a non-WebSocket transport; the loaded one agrees
    if (on) assert.is(shipped.model.transports[ext.transport!]?.protocol, 'ws');
  }
}));

test('the runbook dialplan context exists and every endpoint lands in it', withLog(a, async () => {
  const ctx = await a().cli('dialplan show internal');
  assert.match(ctx, /'_6XXX' =>\s+1\. Dial\(PJSIP\/\$\{EXTEN\},20\)/);
  const contexts = new Set(shipped.model.extensions.map((e) => e.options['endpoint/context']));
  assert.equal([...contexts], ['internal']);
}));

test.run();
