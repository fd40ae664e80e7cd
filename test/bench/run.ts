// `npm run bench`: every benchmark in this folder, one after another (never part of `npm test`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const build = spawnSync('npx', ['tsc', '-p', join(here, '..', '..', 'tsconfig.json')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const name of ['compile.ts', 'pass.ts', 'idle-memory.ts']) {
  const file = join(here, name);
  if (!existsSync(file)) continue;
  console.log(`\n## ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
