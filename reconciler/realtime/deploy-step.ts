// The deploy phase under `target.strategy: realtime-sqlite`: the changed rows instead of write + reload
// + verify. The guards in force are the file strategy's (site.yaml's, tightened by the host config);
// the strategy counts removals in the tables, which hold what really is live.
import { effectivePolicy } from '../../compiler/plan/guards.js';
import { Stop, type Checked, type PassRun } from '../steps/types.js';
import { plannedRows, realtimeContext } from './pass-steps.js';
import { applyPlan, applyRealtimeModel } from './strategy.js';

export async function applyRowsPhase(pass: PassRun, checked: Checked): Promise<Stop> {
  return pass.step('apply-rows', async () => {
    const { config } = pass.deps;
    const ctx = realtimeContext(pass, { guards: effectivePolicy(checked.compiled.model.guards, config.guards), contentSha: checked.desired.sha,
      extensions: checked.compiled.model.extensions });
    // the plan the compare step showed and the guards and host check passed; none when called on its own
    const plan = plannedRows(pass);
    const out = plan ? await applyPlan(ctx, plan) : await applyRealtimeModel(ctx, checked.compiled.model);
    pass.notes.changes = out.extensions;
    return new Stop(out.result, out.reason, `commit ${checked.commit.slice(0, 12)}: ${out.message}`);
  });
}
