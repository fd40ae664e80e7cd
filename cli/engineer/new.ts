// `pjsip-gitops new <number> --name "…"`: writes extensions/<number>.yaml after the compiler has
// accepted it together with the rest of the folder, so a number that is taken or outside every
// range, or a template the range does not allow, is refused before any file exists.
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { compile, SITE_FILE } from '../../compiler/compile.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import { useColor, type CommandIO } from '../io.js';
import { compileDir, renderDiagnostics } from './compile-dir.js';

const SPEC = defineCommand({
  name: 'new',
  help: `usage: pjsip-gitops new <number> --name "Display Name" [--template NAME] [--dir extensions]
                        [--secret NAME | --password PASSWORD]

Creates <dir>/<number>.yaml for a new extension. The number must be free and inside a range of
site.yaml; the template (default: the range's first) must be one the range allows. The password
comes from the PBX host's secrets file (auth: { secret: "<number>" }, generated on the host when
missing) unless --secret names another entry; --password is allowed only in the dev profile.

  --name NAME        display name, written as callerid "NAME" <number>
  --template NAME    a template the number's range allows
  --dir PATH         the extensions folder (default: extensions)
  --secret NAME      the secret's name in the host's secrets file (default: the number)
  --password VALUE   plaintext password (dev profile only)
`,
  options: {
    name: { type: 'string' }, template: { type: 'string' }, dir: { type: 'string' },
    secret: { type: 'string' }, password: { type: 'string' },
  },
  positionals: true,
});

const schemaLine = (dir: string) => `# yaml-language-server: $schema=${dir}/extension.schema.json`;

/** The schemas' folder as site.yaml's modeline names it (a repository made by init: node_modules/…). */
export function schemaDirOf(siteText: string | undefined): string {
  return /\$schema=(\S+)\/site\.schema\.json/.exec(siteText ?? '')?.[1] ?? '../schemas';
}

export function extensionText(number: string, name: string, auth: { secret: string } | { password: string }, template?: string,
  schemaDir = '../schemas'): string {
  // quoted when it has a leading zero: unquoted, YAML would read another number
  const written = /^(0|[1-9][0-9]*)$/.test(number) ? number : JSON.stringify(number);
  const lines = [schemaLine(schemaDir), `extension: ${written}`, `name: ${stringify(name, { lineWidth: 0 }).trimEnd()}`];
  if (template) lines.push(`template: ${template}`);
  lines.push('secret' in auth ? `auth: { secret: ${JSON.stringify(auth.secret)} }   # the password lives in the PBX host's secrets file`
    : `auth: { password: ${JSON.stringify(auth.password)} }   # dev profile only`);
  return lines.join('\n') + '\n';
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new UsageError('new takes one extension number');
    const number = positionals[0]!;
    if (!/^[0-9]{1,20}$/.test(number)) throw new UsageError(`'${number}' is not an extension number (digits only)`);
    if (!values.name?.trim()) throw new UsageError('--name is required (the display name)');
    if (values.secret !== undefined && values.password !== undefined) throw new UsageError('give --secret or --password, not both');
    const dir = values.dir ?? 'extensions';
    const shownPath = (p: string) => relative(io.cwd, p);

    const current = await compileDir(dir, io.cwd);
    const path = `${number}.yaml`;
    const shown = shownPath(join(current.dir, path)) || path;
    const taken = current.sources.find((s) => s.path === path || s.path === `${number}.yml`);
    if (taken) {
      io.stderr.write(`pjsip-gitops new: extension ${number} is taken (${shownPath(join(current.dir, taken.path))})\n`);
      return 1;
    }
    const auth = values.password !== undefined ? { password: values.password } : { secret: values.secret ?? number };
    const siteText = current.sources.find((s) => s.path === SITE_FILE)?.text;
    const text = extensionText(number, values.name.trim(), auth, values.template, schemaDirOf(siteText));
    const sources = [...current.sources, { path, text }];
    const result = compile(sources, { sourceLabel: `${shownPath(current.dir) || '.'}/` });

    // refuse for the new file's errors and for a site.yaml that does not compile; others are not ours
    const blocking = result.diagnostics.filter((d) => d.severity === 'error' &&
      (d.file === path || d.file === SITE_FILE || (d.code === 'DUPLICATE_EXTENSION' && d.message.startsWith(`extension ${number} `))));
    const mine = result.diagnostics.filter((d) => d.file === path || blocking.includes(d));
    // show the new file's lines without its password
    const safe = values.password === undefined ? sources : [...current.sources, { path, text: text.replace(JSON.stringify(values.password), '"(secret)"') }];
    const color = useColor(io, io.stderr);
    if (mine.length) io.stderr.write(renderDiagnostics({ ...current, sources: safe, result }, mine, 'text', color, io.cwd));
    if (blocking.length) {
      io.stderr.write(`pjsip-gitops new: ${shown} not written\n`);
      return 1;
    }
    if (!result.ok) io.stderr.write(`note: the folder has errors in other files; validate lists them\n`);

    await writeFile(join(current.dir, path), text, { flag: 'wx' });
    const model = result.ok ? result.model.extensions.find((e) => e.number === number) : undefined;
    const branch = `add-extension-${number}`;
    const lines = [
      `created ${shown}${model ? ` (template ${model.template})` : ''}`,
      'secret' in auth ? `the PBX host generates the password for secret "${auth.secret}" on the first apply (there: pjsip-gitops secrets get ${auth.secret} --file <secrets file>)` : '',
      'next:',
      `  pjsip-gitops validate ${shownPath(current.dir) || '.'}`,
      `  git switch -c ${branch} && git add ${shown} && git commit -m "Add extension ${number}"`,
      `  git push -u origin ${branch}   # open a pull request: CI validates it and comments the plan`,
    ].filter(Boolean);
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  });
}
