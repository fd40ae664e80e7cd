// Runs every test/**/*.test.ts file in its own Node process (so one open handle cannot hang the
// suite), two at a time, and ends with the one line CI reads: "N passed, N failed".
// uvu prints Total/Passed/Skipped only; failed = Total - Passed - Skipped.
// `--real` runs only the real-Asterisk tier (test/real/); without a build that tier is skipped with
// one line, except under CI (CI=true) or with --real, where a missing build is a failure.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const realOnly = args.includes('--real');
const pattern = args.find((a) => !a.startsWith('--'));
const filter = pattern ? new RegExp(pattern) : null;
const REAL_DIR = join(root, 'test', 'real') + sep;

// the same lookup as findAsterisk() in test/helpers/real-asterisk.ts
function asteriskBuild() {
  const x = (p) => { try { accessSync(p, constants.X_OK); return true; } catch { return false; } };
  if (process.env.ASTERISK_BIN) return x(process.env.ASTERISK_BIN) ? process.env.ASTERISK_BIN : null;
  const prefix = process.env.ASTERISK_PREFIX || join(homedir(), '.cache', 'asterisk-22.10.1');
  const bin = join(prefix, 'sbin', 'asterisk');
  return x(bin) && existsSync(join(prefix, '.build-complete')) ? bin : null;
}
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 240_000);
const PARALLEL = Number(process.env.TEST_PARALLEL ?? 2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      // a test file may leave helpers (sshd, fake asterisk) in its process group
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      let p = 0, f = 0;
      if (Number.isNaN(total) || Number.isNaN(passed)) f = 1; // crashed before a summary
      else { p = passed; f = total - passed - skipped; }
      if ((code !== 0 || timedOut) && f === 0) f = 1;
      resolve({ file, p, f, out, code, timedOut, ms: Date.now() - started });
    });
  });
}

let files = findTests(join(root, 'test')).filter((f) => (!filter || filter.test(f)) && (!realOnly || f.startsWith(REAL_DIR)));
let passed = 0, failed = 0;
const failedFiles = [];
let tierNote = '';
if (files.some((f) => f.startsWith(REAL_DIR)) && !asteriskBuild()) {
  files = files.filter((f) => !f.startsWith(REAL_DIR));
  const why = 'no Asterisk 22.10.1 build found (run ../shared/asterisk/build.sh or set ASTERISK_BIN)';
  if (process.env.CI === 'true' || realOnly) {
    tierNote = `real-Asterisk tier FAILED: ${why}\n`;
    failed += 1;
  } else {
    tierNote = `real-Asterisk tier SKIPPED: ${why}\n`;
  }
}
// The files that take minutes start first, so the two workers finish together instead of one
// starting a long file when the other is nearly done; the rest keep their name order.
const SLOW_FIRST = ['pre-commit', 'crash', 'real/fidelity', 'signals', 'package', 'pass-asterisk', 'real/reconcile', 'pass'];
const rank = (f) => {
  const name = relative(join(root, 'test'), f).replace(/\.test\.ts$/, '').split(sep).join('/');
  const i = SLOW_FIRST.indexOf(name);
  return i === -1 ? SLOW_FIRST.length : i;
};
const queue = files.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map((x) => x.f);
async function worker() {
  for (let f = queue.shift(); f; f = queue.shift()) {
    const r = await runFile(f);
    const name = relative(root, r.file);
    process.stdout.write(`\n=== ${name} (${(r.ms / 1000).toFixed(1)} s)${r.timedOut ? ' TIMED OUT' : ''}\n${r.out}`);
    passed += r.p; failed += r.f;
    if (r.f) failedFiles.push(name);
  }
}
await Promise.all(Array.from({ length: Math.max(1, PARALLEL) }, worker));
if (failedFiles.length) process.stdout.write(`\nfailing files: ${failedFiles.join(', ')}\n`);
process.stdout.write(`${tierNote}${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 && (files.length > 0 || tierNote !== '') ? 0 : 1;
