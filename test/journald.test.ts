// Log lines carry their syslog priority when journald reads them, so `journalctl -p err` finds a
// Stalled pass: a real child process whose stdout is the stream JOURNAL_STREAM names.
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../reconciler/log.ts';
import { ROOT } from './helpers/cli.ts';
import { tempDir } from './helpers/git.ts';

const LOG_MODULE = join(ROOT, 'reconciler', 'log.ts');

/** A child logging one line per level with the default options, its stdout a file; returns that file's text. */
function childLog(env: (stdoutFile: string) => Record<string, string>): string {
  const dir = tempDir('pjsip-gitops-journald-');
  try {
    const file = join(dir, 'stdout');
    const fd = openSync(file, 'w');
    const script = `import { createLogger } from ${JSON.stringify(LOG_MODULE)};
const log = createLogger({ level: 'debug' });
log.log('debug', 'd'); log.info('i'); log.warn('w'); log.error('pass.done', { condition: 'Stalled' });`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { stdio: ['ignore', fd, 'pipe'], env: { PATH: process.env.PATH ?? '', ...env(file) }, cwd: ROOT, timeout: 30_000 });
    closeSync(fd);
    assert.is(r.status, 0, String(r.stderr));
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const streamOf = (file: string) => { const st = statSync(file); return `${st.dev}:${st.ino}`; };

test('journald reads stdout (JOURNAL_STREAM names it): <7> debug, <6> info, <4> warning, <3> error, then the JSON', () => {
  const lines = childLog((f) => ({ JOURNAL_STREAM: streamOf(f) })).trimEnd().split('\n');
  assert.equal(lines.map((l) => l.slice(0, 3)), ['<7>', '<6>', '<4>', '<3>']);
  const last = JSON.parse(lines[3]!.slice(3)) as { level: string; event: string };
  assert.is(last.level, 'error');
  assert.is(last.event, 'pass.done');
});

test('JOURNAL_STREAM inherited while stdout goes elsewhere: plain JSON lines', () => {
  const lines = childLog(() => ({ JOURNAL_STREAM: '1:2' })).trimEnd().split('\n');
  assert.is(lines.length, 4);
  for (const l of lines) assert.ok(l.startsWith('{'), l);
});

test('PJSIP_GITOPS_SYSLOG_PREFIX decides either way', () => {
  assert.ok(childLog(() => ({ PJSIP_GITOPS_SYSLOG_PREFIX: '1' })).startsWith('<7>{'));
  const off = childLog((f) => ({ JOURNAL_STREAM: streamOf(f), PJSIP_GITOPS_SYSLOG_PREFIX: '0' }));
  assert.ok(off.startsWith('{'), off);
});

test('the option: syslogPrefix true or false, whatever the environment', () => {
  const lines: string[] = [];
  const on = createLogger({ write: (l) => { lines.push(l); }, syslogPrefix: true });
  on.warn('compile.warnings', { count: 3 });
  const off = createLogger({ write: (l) => { lines.push(l); }, syslogPrefix: false });
  off.error('x');
  assert.match(lines[0]!, /^<4>\{"time"/);
  assert.match(lines[1]!, /^\{"time"/);
});

test('the systemd unit asks journald to read the prefix', () => {
  const unit = readFileSync(join(ROOT, 'reconciler', 'systemd', 'pjsip-gitops.service'), 'utf8');
  assert.match(unit, /^SyslogLevelPrefix=true$/m);
});

test.run();
