// The compile phase: read the commit's extension files from git, open host secrets, compile. A commit
// that does not compile (or whose passwords cannot be opened here) stalls the pass; the live file stays.
import type { Diagnostic } from '../../compiler/types.js';
import { formatConfigDiagnostic } from '../config.js';
import { messageOf, stalled } from '../errors.js';
import { DIAGNOSTICS_KEPT, sha256 } from '../state.js';
import type { Compiled, PassRun, Sourced } from './types.js';

/** formatted diagnostics shown in the one `compile.warnings` line */
const WARNINGS_SHOWN = 5;

export async function compilePhase(pass: PassRun, sourced: Sourced): Promise<Compiled> {
  return pass.step('compile', () => compile(pass, sourced));
}

async function compile(pass: PassRun, sourced: Sourced): Promise<Compiled> {
  const { source, config, log, prepareSecrets, secrets } = pass.deps;
  const { commit, inputKey } = sourced;
  let sources;
  try {
    sources = await source.read(commit);
  } catch (err) {
    throw stalled('SourceMissing', `commit ${commit.slice(0, 12)}: ${messageOf(err)}; keeping the live file`);
  }
  let unresolved: { extension: string; reason: string }[] = [];
  if (prepareSecrets) {
    const report = await prepareSecrets(sources);
    if (report.generated.length) log.warn('secrets.generated', { names: report.generated, message: 'new passwords were generated and stored in the secrets file' });
    unresolved = report.unresolved;
  }
  const label = `${config.source.extensionsPath.replace(/\/?$/, '/')}`;
  const result = pass.deps.compile(sources, { sourceLabel: label, ...(secrets ? { secrets } : {}) });
  const shown = (d: Diagnostic) => log.redact(formatConfigDiagnostic({ ...d, file: `${label}${d.file}` }));
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const err = stalled('CompileFailed', `commit ${commit.slice(0, 12)} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}); ` +
      `keeping the live file. First: ${errors[0] ? shown(errors[0]) : 'unknown'}`);
    // errors first: the status keeps only the first few
    const list = [...errors, ...result.diagnostics.filter((d) => d.severity !== 'error')].map(shown);
    pass.notes.diagnostics = { list, count: list.length };
    pass.notes.stalledCompile = { inputKey, commit, message: log.redact(err.message),
      diagnostics: list.slice(0, DIAGNOSTICS_KEPT), diagnosticsCount: list.length };
    throw err;
  }
  logWarnings(pass, commit, result.diagnostics, shown);
  if (!result.deployable) {
    const which = unresolved.slice(0, 5).map((u) => `${u.extension}: ${u.reason}`).join('; ');
    throw stalled('SecretsUnresolved', `commit ${commit.slice(0, 12)} compiles but some passwords could not be opened on this host ` +
      `(${which || 'a { secret } missing from the secrets file, or an { encrypted } value not sealed to this host'}); nothing written`);
  }
  const data = Buffer.from(result.conf, 'utf8');
  const desired = { data, sha: sha256(data) };
  pass.notes.content = { hash: result.hash, extensions: result.model.extensions.map((e) => e.number), inputKey, desired };
  return { ...sourced, compiled: result, desired };
}

/** One line per pass, however many warnings: 10,000 dev passwords must not be 10,000 journal lines. */
function logWarnings(pass: PassRun, commit: string, warnings: Diagnostic[], shown: (d: Diagnostic) => string): void {
  if (!warnings.length) return;
  const byCode: Record<string, number> = {};
  for (const d of warnings) byCode[d.code] = (byCode[d.code] ?? 0) + 1;
  pass.deps.log.warn('compile.warnings', { commit, count: warnings.length, byCode, first: warnings.slice(0, WARNINGS_SHOWN).map(shown) });
}
