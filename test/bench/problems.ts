// Benchmark (not a test): `validate` of a file with 10,000 problems against a valid file of the same
// shape and size. site.yaml holds BENCH_PROBLEMS (10,000) templates of two options each; each
// problem kind changes one of them in every template: a misspelt option name (did-you-mean finds
// the option), a name with no near option (the search comes back empty), a duplicate key, a value
// Asterisk refuses. Timed end to end through the built CLI (node start, read, compile, print every
// problem with its source line to a file), best of 3. Goal: each ≤ 2× the valid file.
//   npm run bench  (BENCH_ONLY=problems for this file alone; BENCH_PROBLEMS=20000 for a larger file)
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const COUNT = Number(process.env.BENCH_PROBLEMS ?? 10_000);
const GOAL = 2;
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');

const KINDS: Record<string, { first: string; second: string; code?: string }> = {
  valid: { first: 'endpoint/language: id', second: 'aor/max_contacts: 5' },
  'misspelt name': { first: 'endpoint/languag: id', second: 'aor/max_contacts: 5', code: 'UNKNOWN_OPTION' },
  'unknown name': { first: 'endpoint/qzxwvk_yj: id', second: 'aor/max_contacts: 5', code: 'UNKNOWN_OPTION' },
  'duplicate key': { first: 'endpoint/language: id', second: 'endpoint/language: id', code: 'DUPLICATE_KEY' },
  'bad value': { first: 'endpoint/language: id', second: 'aor/max_contacts: x', code: 'BAD_NUMBER' },
};

function generate(dir: string, first: string, second: string): void {
  mkdirSync(dir, { recursive: true });
  const parts = ['profile: dev\ntransports:\n  transport-udp: { protocol: udp }\ntemplates:\n'];
  for (let i = 0; i < COUNT; i++) parts.push(`  t${i}:\n    transport: transport-udp\n    options:\n      ${first}\n      ${second}\n`);
  parts.push('ranges:\n  - { from: 100000, to: 199999, templates: [t0] }\n');
  writeFileSync(join(dir, 'site.yaml'), parts.join(''));
  writeFileSync(join(dir, '100000.yaml'), 'extension: 100000\nname: Bench\nauth: { secret: BENCH }\n');
}

function validate(dir: string, out: string, format: string): { ms: number; status: number | null } {
  const fd = openSync(out, 'w');
  try {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'validate', dir, '--format', format], { stdio: ['ignore', fd, 'pipe'] });
    const ms = performance.now() - t;
    if (r.status !== 0 && r.status !== 1) throw new Error(`validate exited ${r.status}: ${String(r.stderr).slice(0, 400)}`);
    return { ms, status: r.status };
  } finally {
    closeSync(fd);
  }
}

const work = mkdtempSync(join(tmpdir(), 'pjsip-gitops-problems-'));
try {
  console.log(`validate: one site.yaml of ${COUNT.toLocaleString('en')} templates; best of 3 through the CLI, every problem printed (node ${process.version})\n`);
  console.log('| file | size | problems | text output | ratio | json output | ratio | goal ≤ 2× |');
  console.log('|---|---|---|---|---|---|---|---|');
  let base: { text: number; json: number } | undefined;
  for (const [kind, k] of Object.entries(KINDS)) {
    const dir = join(work, kind.replace(/ /g, '-'));
    generate(dir, k.first, k.second);
    const out = join(work, 'out.txt');
    const best = (format: string) => {
      let min = Infinity;
      for (let i = 0; i < 3; i++) min = Math.min(min, validate(dir, out, format).ms);
      return min;
    };
    const text = best('text');
    const json = best('json');
    const found = JSON.parse(spawnSync(process.execPath, [cli, 'validate', dir, '--format', 'json'], { maxBuffer: 1 << 30 }).stdout.toString()) as
      { diagnostics: { code: string }[] };
    const problems = found.diagnostics.filter((d) => d.code === k.code).length;
    if (k.code && problems !== COUNT) throw new Error(`${kind}: expected ${COUNT} ${k.code}, validate found ${problems}`);
    base ??= { text, json };
    const size = statSync(join(dir, 'site.yaml')).size;
    const rt = text / base.text;
    const rj = json / base.json;
    const verdict = kind === 'valid' ? '(the base)' : Math.max(rt, rj) <= GOAL ? 'met' : 'NOT met';
    console.log(`| ${kind} | ${(size / 1024).toFixed(0)} KiB | ${problems.toLocaleString('en')} ${k.code ?? ''} | ${s(text)} | ${rt.toFixed(2)}× | ${s(json)} | ${rj.toFixed(2)}× | ${verdict} |`);
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
