// Verify at scale, on the fake Asterisk: a first apply or bulk change of 800 or more extensions is verified
// with a bounded number of `asterisk -rx` commands (listings for existence, one show per object of
// at most VALUE_CHECKED_MAX sampled extensions) — and still finds a missing aor or auth of an
// extension outside the sample, and a refused value in a sampled one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VALUE_CHECKED_MAX } from '../reconciler/verify-sample.js';
import { passFixture, type PassFixture } from './helpers/pass-fixture.js';

const N = 800;
const TEMPLATES = ['custom', 'softphone', 'webrtc'];

/** `count` extensions from `first` on, templates taking turns; `more(n)` adds lines to one. */
function bulk(first: number, count: number, name: string, more: (n: number) => string = () => ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const n = first + i;
    files[`extensions/bulk/${n}.yaml`] = `extension: ${n}\nname: ${name} ${i}\ntemplate: ${TEMPLATES[i % 3]}\nauth: { password: Maja1234 }\n${more(n)}`;
  }
  return files;
}

let f: PassFixture;
test.before(async () => { f = await passFixture({ files: bulk(7000, N, 'Bulk') }); });
test.after(() => f?.cleanup());

interface Event { event: string; [k: string]: unknown }
const events = (name: string, since: number) => f.logLines.slice(since).map((l) => JSON.parse(l) as Event).filter((e) => e.event === name);
const perObjectShows = (commands: string[]) => commands.filter((c) => /^pjsip show (endpoint|aor|auth|identify|registration) /.test(c));

async function passCounting(): Promise<{ r: Awaited<ReturnType<PassFixture['pass']>>; commands: string[]; logFrom: number }> {
  const since = (await f.fake.commands()).length;
  const logFrom = f.logLines.length;
  const r = await f.pass();
  return { r, commands: (await f.fake.commands()).slice(since), logFrom };
}

test(`a first apply of ${N + 24} extensions: every object checked by listing, values of ${VALUE_CHECKED_MAX} shown one by one`, async () => {
  const { r, commands, logFrom } = await passCounting();
  assert.is(r.result, 'applied', r.message);
  const shows = perObjectShows(commands);
  assert.ok(shows.length <= 3 * VALUE_CHECKED_MAX, `${shows.length} per-object shows`);
  assert.ok(shows.length >= VALUE_CHECKED_MAX, `the sample was shown (${shows.length})`);
  assert.ok(commands.length <= 3 * VALUE_CHECKED_MAX + 10, `${commands.length} asterisk -rx commands in all`);
  for (const listing of ['pjsip list endpoints', 'pjsip show aors', 'pjsip show auths']) assert.ok(commands.includes(listing), listing);
  // the first and the last are always in the sample, and each template is
  for (const n of ['6000', String(7000 + N - 1)]) assert.ok(shows.includes(`pjsip show endpoint ${n}`), `endpoint ${n} shown`);
  const [sampled] = events('verify.sampled', logFrom);
  assert.equal({ changed: sampled?.changed, valueChecked: sampled?.valueChecked, existenceOnly: sampled?.existenceOnly },
    { changed: N + 24, valueChecked: VALUE_CHECKED_MAX, existenceOnly: N + 24 - VALUE_CHECKED_MAX });
  const [verified] = events('asterisk.verified', logFrom);
  assert.is(verified?.valueChecked, VALUE_CHECKED_MAX);
  assert.is(verified?.objectsShown, shows.length);
});

test('a bulk change and a bulk add in one commit: a refused value in a sampled extension, an aor and an auth Asterisk dropped outside the sample — all three named', async () => {
  const verified = f.live()!;
  const last = String(7000 + N - 1);
  const [aorGone, authGone] = ['9077', '9771'];
  // Asterisk's double parser refuses 1e400 and keeps the old aor (only the value tells); the added
  // ones lose an object each although their text is good (the fake's dropObjects)
  f.fake.setMode({ dropObjects: [{ type: 'aor', id: aorGone }, { type: 'auth', id: `${authGone}-iauth` }] });
  f.remote.commit({ ...bulk(7000, N, 'Renamed', (n) => (String(n) === last ? 'options:\n  aor/qualify_timeout: "1e400"\n' : '')),
    ...bulk(9000, N, 'Added') });
  const { r, commands, logFrom } = await passCounting();
  assert.is(r.reason, 'VerifyFailed', r.message);
  assert.match(r.message, new RegExp(`${last}: aor/qualify_timeout is "3\\.000000" in Asterisk`));
  assert.match(r.message, new RegExp(`${aorGone}: aor ${aorGone} missing`));
  assert.match(r.message, new RegExp(`${authGone}: auth ${authGone}-iauth missing`));
  const shows = perObjectShows(commands);
  assert.ok(shows.includes(`pjsip show aor ${last}`), 'the last changed extension was in the sample');
  assert.not.ok(shows.some((c) => c.endsWith(` ${aorGone}`) || c.endsWith(` ${authGone}-iauth`)), 'the dropped ones were not: the listings found them');
  // the new file, then the restored one: the same bound
  assert.ok(shows.length <= 3 * VALUE_CHECKED_MAX, `${shows.length} per-object shows`);
  assert.equal(events('verify.sampled', logFrom)[0]?.valueChecked, VALUE_CHECKED_MAX);
  assert.equal(f.live(), verified, 'rolled back');
});

test.run();
