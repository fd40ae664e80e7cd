// Compile benchmark: 10,000 and 100,000 generated extension files. Reports the time to read and
// yaml-parse the files (the floor), the in-process compile, and the whole CLI, as a ratio.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseDocument } from 'yaml';
import { compile } from '../../compiler/compile.js';
import { readExtensionsDir } from '../../reconciler/sources.js';

const root = join(import.meta.dirname, '..', '..');
const SITE = `profile: dev
transports:
  transport-udp: { protocol: udp }
defaults:
  codecs: [g722, ulaw, alaw]
  options: { accepts_auth: yes, accepts_registrations: yes, endpoint/context: internal, aor/max_contacts: 5 }
templates:
  softphone:
    transport: transport-udp
    options: { endpoint/rtp_symmetric: yes, endpoint/force_rport: yes }
ranges:
  - { from: 100000, to: 299999, templates: [softphone] }
`;

function generate(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'site.yaml'), SITE);
  for (let i = 0; i < count; i++) {
    const n = 100000 + i;
    writeFileSync(join(dir, `${n}.yaml`),
      `# yaml-language-server: $schema=../schemas/extension.schema.json\nextension: ${n}\nname: Phone ${n}\nauth: { secret: "${n}" }\n` +
      (i % 10 === 0 ? 'options:\n  endpoint/language: id\n  aor/qualify_frequency: 60\n' : ''));
  }
}

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

async function bestAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const work = mkdtempSync(join(tmpdir(), 'pjsip-gitops-bench-'));
try {
  const rows: string[] = [];
  for (const count of [10_000, 100_000]) {
    const dir = join(work, String(count));
    generate(dir, count);
    const runs = count > 10_000 ? 2 : 3;
    const sources = await readExtensionsDir(dir);
    const parseOnly = await bestAsync(runs, async () => {
      for (const s of await readExtensionsDir(dir)) parseDocument(s.text);
    });
    const inProcess = await bestAsync(runs, async () => {
      const r = compile(await readExtensionsDir(dir));
      if (!r.ok) throw new Error(`bench input does not compile: ${r.diagnostics[0]?.message}`);
    });
    const compileOnly = best(runs, () => { compile(sources); });
    const cliParse = best(runs, () => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e',
        `import { readdirSync, readFileSync } from 'node:fs'; import { parseDocument } from 'yaml';` +
        `for (const f of readdirSync(${JSON.stringify(dir)})) parseDocument(readFileSync(${JSON.stringify(dir)} + '/' + f, 'utf8'));`],
      { cwd: root, maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(String(r.stderr));
    });
    const cli = best(runs, () => {
      const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'compile', dir, '-o', join(work, 'out.conf')], { cwd: root, maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(String(r.stderr).slice(0, 500));
    });
    rows.push(`| ${count.toLocaleString('en')} | ${ms(parseOnly)} | ${ms(inProcess)} (${(inProcess / parseOnly).toFixed(2)}×) | ${ms(compileOnly)} | ${ms(cliParse)} | ${ms(cli)} (${(cli / cliParse).toFixed(2)}×) |`);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\ncompile benchmark (best of 3 for 10k, 2 for 100k; node ' + process.version + ')\n');
  console.log('| extensions | read + yaml parse | read + compile (ratio) | compile only (texts in memory) | CLI: node + read + parse | CLI: pjsip-gitops compile -o (ratio) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`;
}
