// The deploy phase under `target.strategy: realtime-sqlite`: the changed rows instead of write + reload
// + verify. The guards in force are the file strategy's (site.yaml's, tightened by the host config);
// the strategy counts removals in the tables, which hold what really is live.
import { effectivePolicy } from '../../compiler/plan/guards.js';
import { stalled } from '../errors.js';
import { Stop, type Checked, type PassRun } from '../steps/types.js';
import { applyRealtimeModel } from './strategy.js';

export async function applyRowsPhase(pass: PassRun, checked: Checked): Promise<Stop> {
  return pass.step('apply-rows', async () => {
    const { config, target, log } = pass.deps;
    const database = config.target.realtime?.database;
    if (!database) throw stalled('TargetRefused', 'target.strategy is realtime-sqlite but target.realtime.database is not set');
    const out = await applyRealtimeModel({
      target, database, log, verify: config.verify, drift: config.drift, stateDir: config.stateDir,
      asterisk: { cli: config.asterisk.cli, timeoutMs: config.asterisk.timeoutMs },
      guards: effectivePolicy(checked.compiled.model.guards, config.guards),
      dryRun: pass.options.dryRun,
    }, checked.compiled.model);
    pass.notes.changes = out.extensions;
    return new Stop(out.result, out.reason, `commit ${checked.commit.slice(0, 12)}: ${out.message}`);
  });
}
