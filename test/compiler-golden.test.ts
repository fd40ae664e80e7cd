// Golden folders: test/fixtures/compile/<case>/input → expected.conf (or expected-diagnostics.txt).
// UPDATE_GOLDEN=1 rewrites the expected files; compare byte-exact otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../compiler/compile.js';
import type { SourceFile } from '../compiler/types.js';

const root = join(import.meta.dirname, 'fixtures', 'compile');
const update = process.env.UPDATE_GOLDEN === '1';

function read(dir: string): SourceFile[] {
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
}

// the shipped extensions are a golden case of their own: their compiled file must not change by accident
const cases: [string, string][] = [['shipped', join(import.meta.dirname, '..', 'extensions')]];
for (const name of readdirSync(root).sort()) if (name !== 'shipped') cases.push([name, join(root, name, 'input')]);

for (const [name, inputDir] of cases) {
  test(`golden: ${name}`, () => {
    const out = join(root, name);
    const result = compile(read(inputDir), { sourceLabel: 'extensions/', secrets: (a) => (a.kind === 'secret' ? `resolved-${a.name}-Xy7!` : undefined) });
    const diagnostics = result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.severity} ${d.message}`).join('\n') + '\n';
    const files: [string, string][] = [['expected-diagnostics.txt', diagnostics]];
    if (result.ok) files.push(['expected.conf', result.conf]);
    for (const [file, actual] of files) {
      const path = join(out, file);
      if (update) writeFileSync(path, actual);
      assert.ok(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1`);
      assert.is(actual, readFileSync(path, 'utf8'), `${name}/${file}`);
    }
    assert.is(existsSync(join(out, 'expected.conf')), result.ok, 'expected.conf exists exactly when the case compiles');
  });
}

test.run();
