// `npm run bench`: every benchmark in this folder, one after another (never part of `npm test`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const build = spawnSync('npx', ['tsc', '-p', join(here, '..', '..', 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
// every benchmark file of this folder, in name order; BENCH_ONLY=<regex> runs a subset
const only = new RegExp(process.env.BENCH_ONLY ?? '.');
const names = readdirSync(here).filter((n) => n.endsWith('.ts') && n !== 'run.ts' && only.test(n)).sort();
for (const name of names) {
  const file = join(here, name);
  console.log(`\n## ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
