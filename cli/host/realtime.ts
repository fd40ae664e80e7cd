// `pjsip-gitops realtime setup [--database <path>] [--config <reconciler.yaml>]`: what an administrator
// adds to Asterisk for the realtime-sqlite strategy — the sorcery.conf, extconfig.conf and
// res_config_sqlite3.conf lines and the CREATE TABLE statements. Prints only; changes nothing.
import { realtimeSetupText } from '../../compiler/realtime-schema.js';
import { ConfigError, loadConfig } from '../../reconciler/config.js';
import { defineCommand, runCommand, UsageError } from '../args.js';
import type { CommandIO } from '../io.js';

const DEFAULT_DATABASE = '/var/lib/asterisk/pjsip-realtime.sqlite3';

const SPEC = defineCommand({
  name: 'realtime',
  help: `usage: pjsip-gitops realtime setup [--database <path>] [--config <reconciler.yaml>]

Prints what Asterisk needs for target.strategy: realtime-sqlite — endpoints, aors and auths read
from SQLite realtime tables, changed row by row with no reload: the sorcery.conf, extconfig.conf
and res_config_sqlite3.conf lines, and the CREATE TABLE statements for the database.

options:
  --database <path>   the SQLite file (default: the config's target.realtime.database, else ${DEFAULT_DATABASE})
  --config <file>     a reconciler config to take the database path from
  -h, --help          this text

exit codes: 0 printed, 2 usage or config error
`,
  options: {
    database: { type: 'string' },
    config: { type: 'string', short: 'c' },
  },
  positionals: true,
});

export async function run(args: string[], io: CommandIO): Promise<number> {
  return runCommand(SPEC, args, io, async ({ values, positionals }) => {
    if (positionals.length !== 1 || positionals[0] !== 'setup') {
      throw new UsageError(positionals.length ? `unknown subcommand '${positionals.join(' ')}' (the one subcommand is 'setup')` : "give the subcommand 'setup'");
    }
    let database = values.database;
    if (!database && values.config) {
      try {
        database = (await loadConfig(values.config)).target.realtime?.database;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        io.stderr.write(`${err.message}\n`);
        return 2;
      }
    }
    database ??= DEFAULT_DATABASE;
    // the path is printed into config lines: one line, no comment character
    if (/[\n\r;]/.test(database)) throw new UsageError('--database must be one line without ;');
    io.stdout.write(realtimeSetupText(database));
    return 0;
  });
}
