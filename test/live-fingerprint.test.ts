// A pass with nothing new skips reading the live file when its stat shows it untouched since this
// process last read it (reconciler/steps/live-fingerprint.ts) — and still finds every hand edit:
// a changed file is read, a fingerprint younger than TRUST_AFTER_MS is never trusted, and an edit
// whose mtime was set back is caught by its ctime.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { TRUST_AFTER_MS } from '../reconciler/steps/live-fingerprint.js';
import { passFixture } from './helpers/pass-fixture.js';

const settle = () => new Promise((r) => setTimeout(r, TRUST_AFTER_MS + 300));

test('untouched: read once past the trust window, then known by its stat; hand edits are read and corrected', async () => {
  const f = await passFixture();
  try {
    let reads = 0;
    const target = f.deps.target;
    const read = target.readFile.bind(target);
    target.readFile = (p: string) => { if (p === f.liveFile) reads++; return read(p); };

    assert.is((await f.pass()).result, 'applied');
    // the same bytes written again by hand: a new stat, so read; moments old, so not trusted yet
    const written = Date.now();
    writeFileSync(f.liveFile, readFileSync(f.liveFile));
    reads = 0;
    assert.is((await f.pass()).result, 'unchanged');
    assert.is(reads, 1, 'a file with a new stat is read');
    // that read came less than the window after the write (when the machine is not too slow to tell)
    const readSoon = Date.now() - written < TRUST_AFTER_MS;
    reads = 0;
    assert.is((await f.pass()).result, 'unchanged');
    if (readSoon) assert.is(reads, 1, 'a fingerprint taken moments after a write is not trusted');

    await settle();
    reads = 0;
    assert.is((await f.pass()).result, 'unchanged');
    assert.ok(reads <= 1);
    reads = 0;
    const quiet = await f.pass();
    assert.is(quiet.result, 'unchanged');
    assert.is(reads, 0, 'an untouched file is not read again');

    // a hand edit of the same length: the stat changes, the file is read, the drift corrected
    const good = readFileSync(f.liveFile);
    const text = good.toString('utf8');
    const edited = text.replace(/callerid = "([^"]*)"/, (_, name: string) => `callerid = "${name.replace(/./, 'X')}"`);
    assert.is.not(edited, text);
    writeFileSync(f.liveFile, edited);
    reads = 0;
    const fixed = await f.pass();
    assert.is(fixed.result, 'drift-corrected', fixed.message);
    assert.ok(readFileSync(f.liveFile).equals(good));

    // an edit that puts mtime back as it was: ctime still moves
    await settle();
    assert.is((await f.pass()).result, 'unchanged');
    reads = 0;
    assert.is((await f.pass()).result, 'unchanged');
    assert.is(reads, 0);
    const before = statSync(f.liveFile);
    writeFileSync(f.liveFile, edited);
    utimesSync(f.liveFile, before.atime, before.mtime);
    const caught = await f.pass();
    assert.is(caught.result, 'drift-corrected', caught.message);
    assert.ok(reads >= 1);
  } finally {
    f.cleanup();
  }
});

test.run();
