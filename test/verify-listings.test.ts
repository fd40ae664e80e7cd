// What verify reads for existence — `pjsip show aors|auths|identifies|registrations` and `pjsip list
// endpoints` as a real Asterisk 22.10.1 printed them (recorded on loopback), split in parts by id on a
// large PBX — and which changed extensions it compares value by value when there are many.
import { writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExtensionModel } from '../compiler/types.js';
import { parseEndpoints, reload } from '../reconciler/asterisk.js';
import {
  LISTING_PARTS, listEndpoints, listObjectIds, parseObjectIds, parseRegistrationIds, SPLIT_LISTING_FROM,
} from '../reconciler/asterisk-objects.js';
import { LocalTarget } from '../reconciler/targets/local.js';
import { createFakeAsterisk } from './helpers/fake-asterisk.js';
import { missingObjects } from '../reconciler/verify-objects.js';
import { kindOf, valueSample } from '../reconciler/verify-sample.js';

const RULE = '==========================================================================================';

const AORS = ['', '      Aor:  <Aor..............................................>  <MaxContact>',
  '    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>', RULE, '',
  '      Aor:  6000                                                 5', '',
  '      Aor:  7000                                                 0',
  '    Contact:  7000/sip:127.0.0.1:5999                      5b4bebb4d4 NonQual         nan', '', '',
  'Objects found: 2', '', ''].join('\n');
const AUTHS = ['', '  I/OAuth:  <AuthId/UserName.............................................................>', RULE, '',
  '     Auth:  6001-iauth/6001', '     Auth:  7000-oauth/u7000', '', 'Objects found: 2', '', ''].join('\n');
const IDENTIFIES = ['', ' Identify:  <Identify/Endpoint...........................................................>',
  '      Match:  <criteria...........................>', RULE, '',
  ' Identify:  7000-identify/7000', '      Match: 127.0.0.1:5999/32', '',
  ' Identify:  7001-identify/7001', '      Match: 127.0.0.2/32', '', '', 'Objects found: 2', '', ''].join('\n');
const REGISTRATIONS = ['', ' <Registration/ServerURI..............................>  <Auth....................>  <Status.......>', RULE, '',
  ' 7000-reg-0/sip:127.0.0.1:5999                           7000-oauth                  Unregistered      (exp. 6s)', '',
  'Objects found: 1', '', ''].join('\n');

test('listings as a real Asterisk prints them: the ids, legend and contact and match rows left out', () => {
  assert.equal([...parseObjectIds(AORS, 'Aor')!], ['6000', '7000']);
  assert.equal([...parseObjectIds(AUTHS, 'Auth')!], ['6001-iauth', '7000-oauth']);
  assert.equal([...parseObjectIds(IDENTIFIES, 'Identify')!], ['7000-identify', '7001-identify']);
  assert.equal([...parseRegistrationIds(REGISTRATIONS)!], ['7000-reg-0']);
  for (const none of ['No objects found.\n\n']) {
    assert.equal(parseObjectIds(none, 'Aor')!.size, 0);
    assert.equal(parseRegistrationIds(none)!.size, 0);
  }
});

// `pjsip list endpoints like ^700[0-1]$` on a real 22.10.1: the Endpoint row alone, no rows under it
const LIST_ENDPOINTS = ['', ' Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>', RULE, '',
  ' Endpoint:  7000/7000                                            Unavailable   0 of inf',
  ' Endpoint:  7001                                                 Unavailable   0 of inf', '', 'Objects found: 2', '', ''].join('\n');

test('pjsip list endpoints reads as pjsip show endpoints does: id → callerid number', () => {
  assert.equal([...parseEndpoints(LIST_ENDPOINTS)!], [['7000', '7000'], ['7001', '']]);
  assert.is(parseEndpoints(LIST_ENDPOINTS.replace('Objects found: 2', 'Objects found: 3')), null);
  assert.equal(parseEndpoints('No objects found.\n\n')!.size, 0);
});

test('the parts of a split listing hold every id exactly once', () => {
  const ids = ['7000', '7009', '6000-iauth', '7001-oauth', '7002-identify', '7003-reg-0', '7003-reg-12', 'lab', 'lab-9x', 'x_y-z', '0'];
  for (const id of ids) {
    const parts = LISTING_PARTS.filter((p) => new RegExp(p).test(id));
    assert.is(parts.length, 1, `${id}: ${parts.join(' ')}`);
  }
  assert.is(LISTING_PARTS.length, 11);
});

test(`from ${SPLIT_LISTING_FROM} expected objects a listing runs as its parts, merged; below it as one command`, async () => {
  const fake = createFakeAsterisk();
  try {
    writeFileSync(fake.mode().confPath!, '[phone](!)\ntype = wizard\naccepts_auth = yes\naccepts_registrations = yes\naor/max_contacts = 5\n' +
      ['6000', '6001', '6012', '7003', 'lab'].map((n) => `[${n}](phone)\ninbound_auth/username = ${n}\nendpoint/callerid = "P" <${n}>\n`).join(''));
    const t = new LocalTarget({ killGraceMs: 500 });
    const o = { cli: [fake.bin, '-rx'], reload: fake.reloadArgv, timeoutMs: 10_000 };
    assert.ok((await reload(t, o)).ok);
    const before = (await fake.commands()).length;
    const one = await listEndpoints(t, o, SPLIT_LISTING_FROM - 1);
    const split = await listEndpoints(t, o, SPLIT_LISTING_FROM);
    const auths = await listObjectIds(t, o, 'auth', SPLIT_LISTING_FROM);
    if (!one.ok || !split.ok || !auths.ok) throw new Error('a listing failed');
    assert.equal([...split.value].sort(), [...one.value].sort());
    assert.equal([...one.value.keys()], ['6000', '6001', '6012', '7003', 'lab']);
    assert.equal([...auths.value].sort(), ['6000-iauth', '6001-iauth', '6012-iauth', '7003-iauth', 'lab-iauth']);
    const commands = (await fake.commands()).slice(before);
    assert.equal(commands.slice(0, 2), ['pjsip list endpoints', 'pjsip list endpoints like 0[^0-9]*$']);
    assert.is(commands.length, 1 + 2 * LISTING_PARTS.length);
    // a timeout bounds the whole listing, not each part
    const late = await listEndpoints(t, { ...o, timeoutMs: 1 }, SPLIT_LISTING_FROM);
    assert.is(late.ok ? 'ok' : late.reason, 'timeout');
  } finally {
    fake.cleanup();
  }
});

test('a cut listing (fewer rows than Objects found) or another answer is not read as one', () => {
  assert.is(parseObjectIds(AUTHS.replace('     Auth:  7000-oauth/u7000\n', ''), 'Auth'), null);
  assert.is(parseRegistrationIds(REGISTRATIONS.replace('Objects found: 1', 'Objects found: 2')), null);
  assert.is(parseRegistrationIds("No such command 'pjsip show registrations'"), null);
  assert.is(parseObjectIds('Unable to connect to remote asterisk', 'Identify'), null);
});

const ext = (number: string, template = 'softphone', options: Record<string, string> = {}): ExtensionModel => ({
  number, name: `Ext ${number}`, template, file: `${number}.yaml`, transport: 'transport-udp', codecs: ['ulaw'],
  options: { accepts_auth: 'yes', accepts_registrations: 'yes', ...options }, auth: 'password', passwordFingerprint: '',
});

test('missing objects: each expected object absent from its kind\'s listing', () => {
  const listed = new Map<'endpoint' | 'aor' | 'auth', Set<string>>([
    ['endpoint', new Set(['7000', '7001'])], ['aor', new Set(['7000'])], ['auth', new Set(['7001-iauth'])]]);
  assert.equal(missingObjects(ext('7000'), listed).map((p) => p.what), ['auth 7000-iauth']);
  assert.equal(missingObjects(ext('7001'), listed).map((p) => p.what), ['aor 7001']);
  assert.equal(missingObjects(ext('7002'), listed).map((p) => p.what), ['endpoint 7002', 'aor 7002', 'auth 7002-iauth']);
});

test('few changed extensions: every one compared', () => {
  const exts = Array.from({ length: 100 }, (_, i) => ext(String(7000 + i)));
  const s = valueSample(exts, 100);
  assert.is(s.all, true);
  assert.is(s.checked.length, 100);
});

test('many: at most the maximum, the first and the last, every kind, spread over the range', () => {
  const exts = Array.from({ length: 10_000 }, (_, i) => ext(String(10_000 + i)));
  // a few of other kinds, deep inside the range: another template, an option of their own
  exts[4321] = ext('14321', 'webrtc');
  exts[8765] = ext('18765', 'softphone', { 'endpoint/language': 'fr' });
  const s = valueSample(exts, 100);
  const numbers = s.checked.map((e) => e.number);
  assert.is(s.all, false);
  assert.is(numbers.length, 100);
  assert.is(new Set(numbers).size, 100, 'no extension twice');
  assert.is(s.kinds, 3);
  for (const n of ['10000', '19999', '14321', '18765']) assert.ok(numbers.includes(n), n);
  assert.equal(numbers, [...numbers].sort(), 'in the file\'s order');
  // spread: every tenth of the range holds some of the sample
  for (let d = 0; d < 10; d++) assert.ok(numbers.some((n) => Math.floor((Number(n) - 10_000) / 1000) === d), `tenth ${d}`);
  assert.equal(valueSample(exts, 100).checked.map((e) => e.number), numbers, 'the same change samples the same');
});

test('more kinds than room: the sample spreads over the kinds, still at most the maximum', () => {
  const exts = Array.from({ length: 500 }, (_, i) => ext(String(7000 + i), 'softphone', { [`endpoint/set_var_${i}`]: 'x' }));
  assert.is(new Set(exts.map(kindOf)).size, 500);
  const s = valueSample(exts, 100);
  assert.is(s.checked.length, 100);
  assert.ok(s.checked[0]!.number === '7000' && s.checked.at(-1)!.number === '7499');
});

test.run();
