// The first steps of a pass: get the branch head, check its signature, read the live file, skip the
// compile when nothing that goes into it changed (or it is known not to compile), and compile.
import { createHash } from 'node:crypto';
import { formatConfigDiagnostic } from '../config.js';
import { messageOf, stalled, targetError } from '../errors.js';
import { DIAGNOSTICS_KEPT, isVerifiedContent, sha256 } from '../state.js';
import type { Step } from './types.js';
import { PACKAGE_VERSION } from '../io/package.js';

export const fetchStep: Step = {
  name: 'fetch',
  async run(ctx) {
    ctx.commit = await ctx.deps.source.update(ctx.dryRun);
    ctx.deps.log.info('source.fetched', { commit: ctx.commit, branch: ctx.deps.config.source.branch });
    return { outcome: 'continue' };
  },
};

export const signatureStep: Step = {
  name: 'verify-signature',
  async run(ctx) {
    const { source, config } = ctx.deps;
    if (!config.source.verify) return { outcome: 'continue' };
    if (!source.verifySignature) {
      throw stalled('SignatureInvalid', 'source.verify is configured but this build cannot check signatures; refusing to deploy unverified commits');
    }
    await source.verifySignature(ctx.commit!);
    ctx.deps.log.info('source.signature-good', { commit: ctx.commit });
    return { outcome: 'continue' };
  },
};

export const readLiveStep: Step = {
  name: 'read-live',
  async run(ctx) {
    const { target, config } = ctx.deps;
    try {
      ctx.live = await target.readFile(config.target.liveFile);
    } catch (err) {
      throw targetError(err, `cannot read ${config.target.liveFile} on ${target.describe}`);
    }
    ctx.liveSha = ctx.live === null ? '' : sha256(ctx.live);
    return { outcome: 'continue' };
  },
};

/** Everything that decides the compiled bytes; equal key + a live file equal to what we wrote → nothing to do. */
async function inputKey(ctx: Parameters<Step['run']>[0]): Promise<string> {
  const { config, secretsFingerprint } = ctx.deps;
  const h = createHash('sha256');
  h.update(JSON.stringify({ commit: ctx.commit, path: config.source.extensionsPath, version: PACKAGE_VERSION }));
  if (secretsFingerprint) h.update(await secretsFingerprint());
  return h.digest('hex');
}

export const upToDateStep: Step = {
  name: 'up-to-date',
  async run(ctx) {
    ctx.inputKey = await inputKey(ctx);
    const last = ctx.status.lastApplied;
    const pending = ctx.status.pending;
    if (pending && pending.fileSha256 === ctx.liveSha) {
      ctx.deps.log.warn('pass.resume', { message: 'the previous pass stopped between writing the file and verifying it; reloading and verifying again',
        pendingCommit: pending.commit, since: pending.since });
      return { outcome: 'continue' };
    }
    if (pending) {
      // the live file is not what the marker announced: that write never landed, nothing to resume
      ctx.deps.log.info('pass.pending-cleared', { message: 'the previous pass announced a write that never reached the live file; nothing to resume',
        pendingCommit: pending.commit, since: pending.since });
      delete ctx.status.pending;
      ctx.pendingCleared = true;
    }
    if (last?.inputKey === ctx.inputKey && isVerifiedContent(ctx.status, ctx.liveSha)) {
      ctx.desiredSha = last.fileSha256;
      return { outcome: 'stop', result: 'unchanged', reason: 'Unchanged',
        message: `nothing changed: commit ${ctx.commit!.slice(0, 12)} is live and the file is as written (${last.hash.slice(0, 12)})` };
    }
    return { outcome: 'continue' };
  },
};

/** A commit an earlier pass found not to compile, with the same inputs: automatic passes report it again without compiling. */
export const knownCompileFailureStep: Step = {
  name: 'known-compile-failure',
  async run(ctx) {
    const known = ctx.status.stalledCompile;
    if (ctx.retryFailed || !known || known.inputKey !== ctx.inputKey) return { outcome: 'continue' };
    ctx.stalledCompile = known;
    ctx.diagnostics = known.diagnostics;
    ctx.diagnosticsCount = known.diagnosticsCount;
    return { outcome: 'stop', result: 'stalled', reason: 'CompileFailed',
      message: `${known.message} (known from an earlier pass, not compiled again; \`pjsip-gitops apply\` compiles it again)` };
  },
};

export const compileStep: Step = {
  name: 'compile',
  async run(ctx) {
    const { source, config, log } = ctx.deps;
    try {
      ctx.sources = await source.read(ctx.commit!);
    } catch (err) {
      throw stalled('SourceMissing', `commit ${ctx.commit!.slice(0, 12)}: ${messageOf(err)}; keeping the live file`);
    }
    if (ctx.deps.prepareSecrets) {
      const report = await ctx.deps.prepareSecrets(ctx.sources);
      if (report.generated.length) log.warn('secrets.generated', { names: report.generated, message: 'new passwords were generated and stored in the secrets file' });
      ctx.unresolved = report.unresolved;
    }
    const label = `${config.source.extensionsPath.replace(/\/?$/, '/')}`;
    const result = ctx.deps.compile(ctx.sources, { sourceLabel: label, ...(ctx.deps.secrets ? { secrets: ctx.deps.secrets } : {}) });
    const shown = (d: Parameters<typeof formatConfigDiagnostic>[0]) => log.redact(formatConfigDiagnostic({ ...d, file: `${label}${d.file}` }));
    if (!result.ok) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const err = stalled('CompileFailed', `commit ${ctx.commit!.slice(0, 12)} does not compile (${errors.length} error${errors.length === 1 ? '' : 's'}); ` +
        `keeping the live file. First: ${errors[0] ? shown(errors[0]) : 'unknown'}`);
      // errors first: the status keeps only the first few
      ctx.diagnostics = [...errors, ...result.diagnostics.filter((d) => d.severity !== 'error')].map(shown);
      ctx.diagnosticsCount = ctx.diagnostics.length;
      ctx.stalledCompile = { inputKey: ctx.inputKey!, commit: ctx.commit!, message: log.redact(err.message),
        diagnostics: ctx.diagnostics.slice(0, DIAGNOSTICS_KEPT), diagnosticsCount: ctx.diagnostics.length };
      throw err;
    }
    // a few warnings one by one, the rest counted: 10,000 dev passwords must not be 10,000 log lines
    const WARNINGS_LOGGED = 20;
    for (const d of result.diagnostics.slice(0, WARNINGS_LOGGED)) log.warn('compile.warning', { commit: ctx.commit, diagnostic: shown(d) });
    if (result.diagnostics.length > WARNINGS_LOGGED) {
      const byCode: Record<string, number> = {};
      for (const d of result.diagnostics.slice(WARNINGS_LOGGED)) byCode[d.code] = (byCode[d.code] ?? 0) + 1;
      log.warn('compile.warnings_more', { commit: ctx.commit, count: result.diagnostics.length - WARNINGS_LOGGED, byCode });
    }
    if (!result.deployable) {
      const which = (ctx.unresolved ?? []).slice(0, 5).map((u) => `${u.extension}: ${u.reason}`).join('; ');
      throw stalled('SecretsUnresolved', `commit ${ctx.commit!.slice(0, 12)} compiles but some passwords could not be opened on this host ` +
        `(${which || 'a { secret } missing from the secrets file, or an { encrypted } value not sealed to this host'}); nothing written`);
    }
    ctx.compiled = result;
    ctx.desired = Buffer.from(result.conf, 'utf8');
    ctx.desiredSha = sha256(ctx.desired);
    return { outcome: 'continue' };
  },
};
