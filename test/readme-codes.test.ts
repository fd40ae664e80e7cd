// README's code tables and compiler/codes.ts say the same: every code once, with the registry's severity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODES, type Code, type CodeSeverity } from '../compiler/codes.js';

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

interface Row { codes: string[]; severity: string; table: number }

/** The rows of every `| code | severity | what |` table, numbered by table. */
function codeRows(text: string): Row[] {
  const rows: Row[] = [];
  let table = -1;
  let inTable = false;
  for (const line of text.split('\n')) {
    if (/^\| code \| severity \| what \|$/.test(line)) { table++; inTable = true; continue; }
    if (!line.startsWith('|')) { inTable = false; continue; }
    if (!inTable || line.startsWith('|---')) continue;
    const [codes = '', severity = ''] = line.split(' | ');
    rows.push({ codes: [...codes.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!), severity: severity.trim(), table });
  }
  return rows;
}

/** Whether a README severity cell ("error (production)", "warning in dev, error in production") says the registry's. */
function saysSeverity(cell: string, registered: CodeSeverity): boolean {
  if (registered === 'error or warning') return cell.includes('error') && cell.includes('warning');
  const other = registered === 'error' ? 'warning' : 'error';
  return cell.startsWith(registered) && !cell.includes(other);
}

const rows = codeRows(README);

test('every registry code is in README once, and README names no other', () => {
  const listed = rows.flatMap((r) => r.codes);
  assert.equal(listed.filter((c, i) => listed.indexOf(c) !== i), [], 'listed twice');
  assert.equal(listed.filter((c) => !(c in CODES)), [], 'in README, not in compiler/codes.ts');
  assert.equal(Object.keys(CODES).filter((c) => !listed.includes(c)), [], 'in compiler/codes.ts, not in README');
});

test('README gives each code the severity of the registry', () => {
  const wrong = rows.flatMap((r) => r.codes.filter((c) => !saysSeverity(r.severity, CODES[c as Code].severity))
    .map((c) => `${c}: README '${r.severity}', registry '${CODES[c as Code].severity}'`));
  assert.equal(wrong, []);
});

test('the first table holds the compile codes, the second those of import and the config file', () => {
  const misplaced = rows.flatMap((r) => r.codes.filter((c) => (CODES[c as Code].source === 'compile') !== (r.table === 0)));
  assert.equal(misplaced, []);
  assert.equal([...new Set(rows.map((r) => r.table))], [0, 1]);
});

test.run();
