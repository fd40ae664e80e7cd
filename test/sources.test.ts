// The extensions folder as the CLI reads it: YAML files at any depth, hidden folders skipped, and
// the same files a revision holds in git (so validate, plan and the reconciler agree).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { SITE, ext } from './helpers/site.js';

const dir = mkdtempSync(join(tmpdir(), 'pjsip-gitops-sources-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('YAML files in subfolders are extensions too; hidden folders and other files are not read', async () => {
  mkdirSync(join(dir, 'sales'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'site.yaml'), SITE);
  writeFileSync(join(dir, '6000.yaml'), ext(6000));
  writeFileSync(join(dir, 'sales', '6010.yaml'), ext(6010));
  writeFileSync(join(dir, 'sales', 'README.md'), 'notes\n');
  writeFileSync(join(dir, '.git', '6011.yaml'), ext(6011));
  const sources = await readExtensionsDir(dir);
  assert.equal(sources.map((s) => s.path), ['6000.yaml', 'sales/6010.yaml', 'site.yaml']);
  const r = compile(sources);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.model.extensions.map((e) => `${e.number}:${e.file}`), ['6000:6000.yaml', '6010:sales/6010.yaml']);
});

test('the same number in two folders is a DUPLICATE_EXTENSION at the second file', async () => {
  writeFileSync(join(dir, '6010.yaml'), ext(6010));
  const r = compile(await readExtensionsDir(dir));
  assert.is(r.ok, false);
  const d = r.diagnostics.find((x) => x.code === 'DUPLICATE_EXTENSION');
  assert.ok(d, r.diagnostics.map((x) => x.code).join(','));
  assert.is(d!.file, 'sales/6010.yaml');
  assert.is(d!.line, 2);
});

test.run();
