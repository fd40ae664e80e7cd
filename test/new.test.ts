// `new` through the CLI (in-process) on copies of the shipped extensions folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../compiler/compile.js';
import { readExtensionsDir } from '../reconciler/sources.js';
import { runCliInProcess } from './helpers/cli.js';
import { tempDir } from './helpers/git.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const roots: string[] = [];
test.after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

function folder(): string {
  const root = tempDir('pjsip-gitops-new-');
  roots.push(root);
  cpSync(join(ROOT, 'extensions'), join(root, 'extensions'), { recursive: true });
  return join(root, 'extensions');
}

async function cli(dir: string, ...args: string[]) {
  const r = await runCliInProcess(['new', ...args, '--dir', dir], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

test('writes <number>.yaml with the schema line and a secret named after the number; the folder still compiles', async () => {
  const dir = folder();
  const r = await cli(dir, '7001', '--name', 'Lab: bench 2', '--template', 'softphone');
  assert.is(r.code, 0, r.err);
  const text = readFileSync(join(dir, '7001.yaml'), 'utf8');
  assert.ok(text.startsWith('# yaml-language-server: $schema=../schemas/extension.schema.json\n'));
  assert.match(text, /^extension: 7001$/m);
  assert.match(text, /^name: "Lab: bench 2"$/m);
  assert.match(text, /^template: softphone$/m);
  assert.match(text, /^auth: \{ secret: "7001" \}/m);
  assert.match(r.out, /created .*7001\.yaml \(template softphone\)/);
  assert.match(r.out, /pjsip-gitops validate/);
  assert.match(r.out, /git switch -c add-extension-7001/);
  const result = compile(await readExtensionsDir(dir));
  assert.ok(result.ok);
  const model = result.ok ? result.model.extensions.find((e) => e.number === '7001') : undefined;
  assert.equal([model?.name, model?.template, model?.auth], ['Lab: bench 2', 'softphone', 'secret']);
});

test('refuses, writing nothing: a taken number, a number in no range, a template the range does not allow', async () => {
  const dir = folder();
  rmSync(join(dir, '6008.yaml')); // a free number in the webrtc range
  const before = readdirSync(dir).sort();
  const taken = await cli(dir, '6010', '--name', 'Again');
  assert.is(taken.code, 1);
  assert.match(taken.err, /extension 6010 is taken/);
  const outside = await cli(dir, '6500', '--name', 'Nowhere');
  assert.is(outside.code, 1);
  assert.match(outside.err, /6500\.yaml:2:12  OUT_OF_RANGE  error/);
  const template = await cli(dir, '6008', '--name', 'Wrong', '--template', 'softphone');
  assert.is(template.code, 1);
  assert.match(template.err, /6008\.yaml:4:11  TEMPLATE_NOT_ALLOWED  error/);
  assert.match(template.err, /not written/);
  assert.equal(readdirSync(dir).sort(), before);
});

test('a number taken by a file under another name is refused too', async () => {
  const dir = folder();
  writeFileSync(join(dir, '7007.yml'), readFileSync(join(dir, '6010.yaml'), 'utf8').replace('6010', '7007'));
  const r = await cli(dir, '7007', '--name', 'Twin');
  assert.is(r.code, 1);
  assert.not.ok(existsSync(join(dir, '7007.yaml')));
});

test('--password only in the dev profile, and never echoed', async () => {
  const dir = folder();
  const pw = 'Planted-Dev-Pass-77';
  const dev = await cli(dir, '7002', '--name', 'Dev phone', '--password', pw);
  assert.is(dev.code, 0, dev.err);
  assert.match(readFileSync(join(dir, '7002.yaml'), 'utf8'), /^auth: \{ password: "Planted-Dev-Pass-77" \}/m);
  assert.match(dev.err, /PLAINTEXT_PASSWORD  warning/);
  assert.not.ok(dev.err.includes(pw) || dev.out.includes(pw));

  writeFileSync(join(dir, 'site.yaml'), readFileSync(join(dir, 'site.yaml'), 'utf8').replace('profile: dev', 'profile: production'));
  const prod = await cli(dir, '7003', '--name', 'Prod phone', '--password', pw);
  assert.is(prod.code, 1);
  assert.match(prod.err, /7003\.yaml:\d+:\d+  PLAINTEXT_PASSWORD  error/);
  assert.not.ok(prod.err.includes(pw));
  assert.not.ok(existsSync(join(dir, '7003.yaml')));
});

test('usage errors exit 2', async () => {
  const dir = folder();
  assert.is((await cli(dir, 'abc', '--name', 'X')).code, 2);
  assert.is((await cli(dir, '7004')).code, 2);
  assert.is((await cli(dir, '7004', '--name', 'X', '--secret', 'a', '--password', 'b')).code, 2);
});

test.run();
