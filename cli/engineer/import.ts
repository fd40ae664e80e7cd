// `pjsip-gitops import <pjsip_wizard.conf> --out <dir>`: adopt a hand-made wizard file. Writes site.yaml
// and one file per extension; passwords go to a secrets file outside Git (mode 0600), never to the
// terminal. The import checks its own result by compiling it back and comparing effective options.
// `--realtime-sqlite <file>` reads the realtime tables instead (the sqlite3 command, read-only), turned
// into the same result by compiler/import-realtime.ts.
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { formatText, summaryLine } from '../../compiler/format.js';
import { importWizard, type ImportResult } from '../../compiler/import.js';
import { importRealtimeRows } from '../../compiler/import-realtime.js';
import { readRows } from '../../reconciler/realtime/sqlite.js';
import { LocalTarget } from '../../reconciler/targets/local.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import { useColor, type CommandIO } from '../io.js';

const SPEC = defineCommand({
  name: 'import',
  help: `usage: pjsip-gitops import <pjsip_wizard.conf> --out <dir> [--secrets-file FILE] [--keep-passwords] [--force]
       pjsip-gitops import --realtime-sqlite <file> --out <dir> [...]

Turns an existing wizard file (templates, multiple inheritance, +=, comments) into site.yaml and one
YAML file per extension (sections with type = wizard). Extensions are grouped into templates by the
templates they inherit; ranges follow their numbers. Options Asterisk 22 does not know are kept and
flagged. The result is compiled back and compared, extension by extension, with the original.

  --realtime-sqlite FILE  read ps_endpoints, ps_aors and ps_auths of this SQLite file (the sqlite3
                       command, read-only) instead of a wizard file: each endpoint with its own aor
                       and <number>-iauth auth becomes an extension, as the realtime strategy writes them
  --out DIR            the extensions folder to write (created if missing)
  --secrets-file FILE  where the passwords go (YAML: secret name → password, mode 0600); keep it
                       outside the repository and install it on the PBX host
  --keep-passwords     dev only: keep passwords in the YAML (auth: { password }, profile dev)
  --force              overwrite files that already exist
`,
  options: {
    out: { type: 'string' }, 'realtime-sqlite': { type: 'string' }, 'secrets-file': { type: 'string' }, 'keep-passwords': { type: 'boolean' }, force: { type: 'boolean' },
  },
  positionals: true,
});

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    const database = values['realtime-sqlite'];
    if (database !== undefined ? positionals.length !== 0 : positionals.length !== 1) {
      throw new UsageError('import takes one pjsip_wizard.conf, or --realtime-sqlite FILE alone');
    }
    if (!values.out) throw new UsageError('--out DIR is required (the extensions folder to write)');
    // as given for messages, resolved against the working directory for the files
    const source = database ?? positionals[0]!;
    const out = values.out;
    const outDir = resolve(io.cwd, out);
    const keep = values['keep-passwords'] === true;
    const result = database !== undefined ? await importTables(resolve(io.cwd, database), source, keep) : importWizard(
      await readFile(resolve(io.cwd, source), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read ${source}: ${err.code ?? err.message}`);
      }), { file: source, keepPasswords: keep });
    const secretsFile = values['secrets-file'];
    const moved = Object.keys(result.secrets).length;
    if (result.ok && moved && !secretsFile) {
      throw new UsageError(`${moved} password${moved === 1 ? '' : 's'} to move: give --secrets-file FILE (outside the repository), or --keep-passwords for a dev setup`);
    }
    if (secretsFile && (resolve(io.cwd, secretsFile) + sep).startsWith(outDir + sep)) {
      throw new UsageError('--secrets-file must not be inside --out: the extensions folder goes into Git');
    }

    // no source excerpts: a line of the wizard file may hold a password
    const color = useColor(io, io.stderr);
    const displayPath = (file: string) => (file === source ? source : join(out, file));
    io.stderr.write(formatText(result.diagnostics, { displayPath, texts: new Map(), color }));
    if (!result.ok) {
      io.stderr.write(`${summaryLine(result.diagnostics, 1)}\nnothing written\n`);
      return 1;
    }

    await mkdir(outDir, { recursive: true });
    const existing = new Set(await readdir(outDir));
    const clash = result.files.filter((f) => existing.has(f.path)).map((f) => f.path);
    if (clash.length && !values.force) {
      io.stderr.write(`${out} already has ${clash.slice(0, 5).join(', ')}${clash.length > 5 ? ', …' : ''}; nothing written (--force overwrites)\n`);
      return 1;
    }
    if (secretsFile && moved) await writeSecrets(resolve(io.cwd, secretsFile), secretsFile, result.secrets, values.force === true);
    for (const f of result.files) await writeFile(join(outDir, f.path), f.text);

    const n = result.files.length - 1;
    const lines = [`imported ${n} extension${n === 1 ? '' : 's'} from ${source} into ${out}/ (site.yaml + ${n} files)`];
    if (secretsFile && moved) lines.push(`moved ${moved} password${moved === 1 ? '' : 's'} to ${secretsFile} (mode 0600): install it on the PBX host, keep it out of Git`);
    if (keep) lines.push('passwords kept in the YAML files: profile dev (production refuses them)');
    if (result.notes.length) lines.push('review:', ...result.notes.map((s) => `  ${s}`));
    if (Object.keys(result.ignored).length) lines.push('the round-trip comparison ignores exactly the options left out above (the wizard overrides them)');
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const shownOut = relative(io.cwd, outDir) || '.';
    lines.push(errors ? `${summaryLine(result.diagnostics, result.files.length)}: fix the files listed above, then run pjsip-gitops validate ${shownOut}`
      : `round trip checked: every extension has the same effective options. Next: pjsip-gitops validate ${shownOut}`);
    io.stdout.write(lines.join('\n') + '\n');
    return errors ? 1 : 0;
  });
}

/** The realtime tables of a local SQLite file as an import (rows read here, turned into files by the compiler). */
async function importTables(path: string, shown: string, keepPasswords: boolean): Promise<ImportResult> {
  const rows = await readRows(new LocalTarget(), path).catch((err: unknown) => {
    // sqlite3's message names the table or file; the SQL (with any value) is cut from it
    throw new UsageError(`cannot read the realtime tables of ${shown}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return importRealtimeRows(rows, { file: shown, keepPasswords });
}

async function writeSecrets(path: string, shown: string, secrets: Record<string, string>, force: boolean): Promise<void> {
  const body = ['# pjsip-gitops host secrets: secret name → password. Mode 0600; never commit this file.',
    ...Object.entries(secrets).map(([name, password]) => `${JSON.stringify(name)}: ${JSON.stringify(password)}`)].join('\n') + '\n';
  try {
    await writeFile(path, body, { mode: 0o600, flag: force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${shown} exists; nothing written (--force overwrites it)`);
    throw err;
  }
  await chmod(path, 0o600); // an existing file keeps its old mode on overwrite
}
