#!/usr/bin/env node
// A stand-in for `asterisk -rx '<command>'` that answers exactly like the Asterisk 22 recorded in
// asterisk/BEHAVIOR.md, lies included (exit 0 for `No such command`). Its state lives in the folder
// named by FAKE_ASTERISK_HOME, so several can run side by side:
//   config.json   { confPath, down, hang, booting, reloadInProgress, dropSections, transports,
//                   translatableCodecs, keepOldObjectOnFailure, contacts, dropObjects, acls, geolocProfiles,
//                   reloadDelayMs, reloadDelaysMs, cliSilenceMs }
//   loaded.json   the objects currently loaded and the last seen text of each wizard section
//   reloading.json a reload still running after its CLI gave up (cliSilenceMs), with reloading.conf,
//                 the file it read; delays.json how many of reloadDelaysMs were used
//   calls.log     one line per command received
//   asterisk.log  what the real one would log (errors of a reload, warnings of the parser)

import { appendFileSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyState, reloadWizard } from './wizard.mjs';
import { realtimeLoad, showConfigMappings, showModulesLike, withRealtimeObject } from './realtime.mjs';
import { showAcls, showContact, showContacts, showGeolocProfiles, showEndpoint, showEndpoints, showIdentifies, showObject, showObjects, showRegistrations, showTranslation, showTransport, showTransports } from './output.mjs';
import { listEndpoints } from './output.mjs';

const WIZARD_MODULES = new Set(['res_pjsip.so', 'res_pjsip_config_wizard.so', 'res_pjsip', 'res_pjsip_config_wizard']);
const OTHER_MODULES = new Set(['chan_pjsip.so', 'res_pjsip_session.so', 'res_pjsip_registrar.so', 'app_dial.so', 'pbx_config.so']);

function commandFromArgv(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^-[a-zA-Z]*x[a-zA-Z]*$/.test(a)) return argv[i + 1];
  }
  return undefined;
}

function readJson(path, fallback) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return fallback;
    throw err;
  }
}

function writeJsonAtomic(path, value) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1));
  renameSync(tmp, path);
}

function reply(out, code = 0) {
  process.stdout.write(out);
  process.exitCode = code;
}

function moduleReload(home, config, modules) {
  if (modules.length === 0) {
    // `module reload` alone reloads everything and prints nothing
    modules = ['res_pjsip.so'];
    runWizardReload(home, config);
    return '';
  }
  let out = '';
  for (const mod of modules) {
    if (config.booting) {
      out += 'Asterisk cannot reload a module yet; request queued\n';
    } else if (config.reloadInProgress || reloadRunning(home)) {
      // the loader's reload lock is taken: nothing is queued (main/loader.c, AST_MODULE_RELOAD_IN_PROGRESS)
      out += 'A module reload request is already in progress; please be patient\n';
    } else if (WIZARD_MODULES.has(mod)) {
      const delay = nextReloadDelay(home, config);
      if (config.cliSilenceMs > 0 && delay > config.cliSilenceMs) {
        startBackgroundReload(home, config, delay);
        cliGivesUp(config);
        return out;
      }
      runWizardReload(home, config);
      tookReload(delay);
      out += `Module '${mod}' reloaded successfully.\n`;
    } else if (OTHER_MODULES.has(mod)) {
      out += `Module '${mod}' reloaded successfully.\n`;
    } else {
      out += `No such module '${mod}'\n`;
    }
  }
  return out;
}

// `reloadDelayMs`: the answer comes that long after the file was applied, as a large PBX's reload
// does (asterisk/BEHAVIOR.md "Reload cost"); a CLI killed meanwhile leaves the reload done, as there.
// `reloadDelaysMs`: the delays of the wizard reloads from the one that sets it on, one each (then
// `reloadDelayMs`), so a slow reload can be followed by a quick one (a rollback's).
function tookReload(delay) {
  if (delay > 0) sleep(delay);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function nextReloadDelay(home, config) {
  const list = Array.isArray(config.reloadDelaysMs) ? config.reloadDelaysMs : [];
  const path = join(home, 'delays.json');
  const key = JSON.stringify(list);
  const used = readJson(path, { key, used: 0 });
  const n = used.key === key ? used.used : 0;
  writeJsonAtomic(path, { key, used: n + 1 });
  return n < list.length ? list[n] : (config.reloadDelayMs ?? 0);
}

// `cliSilenceMs`: asterisk -rx polls its socket with a 60 s timeout and exits 0 when no output came
// for that long (main/asterisk.c, ast_remotecontrol), while Asterisk goes on. A wizard reload that
// takes longer than cliSilenceMs therefore returns silent after cliSilenceMs and ends `delay` after it
// began, on its own: the wizard reads the file it started with (reloading.conf) and the objects change
// at the end; meanwhile another `module reload` answers "already in progress" (and queues nothing),
// `module show like` waits for the end (the reload holds the module list), the rest answers at once
// with the objects of before. The end is applied by the first command after it (settleReload).
function startBackgroundReload(home, config, delay) {
  let hasFile = !!config.confPath;
  try {
    if (hasFile) copyFileSync(config.confPath, join(home, 'reloading.conf'));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    hasFile = false;
  }
  writeJsonAtomic(join(home, 'reloading.json'), { until: Date.now() + delay, hasFile });
}

function cliGivesUp(config) {
  sleep(config.cliSilenceMs);
}

function reloadRunning(home) {
  const r = readJson(join(home, 'reloading.json'), null);
  return r !== null && Date.now() < r.until;
}

/** A background reload whose time has come is applied (once: the command that renames its record applies it). */
function settleReload(home, config) {
  const path = join(home, 'reloading.json');
  const r = readJson(path, null);
  if (r === null || Date.now() < r.until) return;
  const mine = `${path}.${process.pid}.settle`;
  try { renameSync(path, mine); } catch (err) { if (err.code === 'ENOENT') return; throw err; }
  rmSync(mine, { force: true });
  const read = join(home, 'reloading.conf');
  if (r.hasFile) {
    // the real wizard reads the file as it goes: a file replaced meanwhile would be read half old, half new
    let now = null;
    try { now = readFileSync(config.confPath); } catch { /* gone */ }
    if (now === null || !now.equals(readFileSync(read))) {
      appendFileSync(join(home, 'asterisk.log'), `[${new Date(r.until).toISOString()}] WARNING fake: pjsip_wizard.conf was replaced while a reload was reading it\n`);
    }
  }
  runWizardReload(home, r.hasFile ? { ...config, confPath: read } : { ...config, confPath: undefined });
  rmSync(read, { force: true });
}

/** `module show like`: answered once no reload runs (it waits for the module list), or silent when the CLI gives up first. */
function showModulesWhenIdle(home, config, name) {
  const r = readJson(join(home, 'reloading.json'), null);
  const left = r === null ? 0 : r.until - Date.now();
  if (left > 0) {
    if (config.cliSilenceMs > 0 && left > config.cliSilenceMs) {
      cliGivesUp(config);
      return '';
    }
    sleep(left);
    settleReload(home, config);
  }
  return showModulesLike(config, name);
}

function runWizardReload(home, config) {
  const statePath = join(home, 'loaded.json');
  const state = readJson(statePath, emptyState());
  const stamp = new Date().toISOString();
  const log = (text) => {
    const lines = text.split('\n').map((line) => `[${stamp}] ${line}\n`);
    appendFileSync(join(home, 'asterisk.log'), lines.join(''));
  };
  if (!config.confPath) {
    log('ERROR res_pjsip_config_wizard.c: Unable to load config file \'pjsip_wizard.conf\'');
    return;
  }
  const result = reloadWizard(state, config, log);
  if (result.loaded) writeJsonAtomic(statePath, state);
}

function loadedState(home) {
  return readJson(join(home, 'loaded.json'), emptyState());
}

function run(command, home, config) {
  const words = command.trim().split(/\s+/);
  const [a, b, c, d] = words;
  if (a === 'module' && b === 'reload') return reply(moduleReload(home, config, words.slice(2)));
  if (a === 'core' && b === 'reload' && words.length === 2) {
    runWizardReload(home, config);
    return reply('');
  }
  // the listings by id (`… like <regex>`) and `pjsip list endpoints`, as verify reads a large PBX
  const regex = words.length === 5 && d === 'like' ? words[4] : undefined;
  if (a === 'pjsip' && b === 'list' && c === 'endpoints' && (words.length === 3 || regex !== undefined)) return reply(listEndpoints(loadedState(home), config, regex));
  if (a === 'pjsip' && b === 'show' && regex !== undefined) {
    if (c === 'endpoints') return reply(showEndpoints(loadedState(home), config, regex));
    if (c === 'aors' || c === 'auths') return reply(showObjects(loadedState(home), c.slice(0, -1), config, regex));
    if (c === 'identifies') return reply(showIdentifies(loadedState(home), regex));
    if (c === 'registrations') return reply(showRegistrations(loadedState(home), regex));
  }
  if (a === 'pjsip' && b === 'show') {
    if (c === 'endpoints' && words.length === 3) return reply(showEndpoints(loadedState(home), config));
    if (c === 'endpoint' && d !== undefined && words.length === 4) return reply(showEndpoint(withRealtimeObject(loadedState(home), config, c, d), config, d));
    if (c === 'transports' && words.length === 3) return reply(showTransports(config));
    if (c === 'transport' && d !== undefined && words.length === 4) return reply(showTransport(config, d));
    if (['aor', 'auth', 'identify', 'registration'].includes(c) && d !== undefined && words.length === 4) return reply(showObject(withRealtimeObject(loadedState(home), config, c, d), c, d, config));
    if ((c === 'aors' || c === 'auths') && words.length === 3) return reply(showObjects(loadedState(home), c.slice(0, -1), config));
    if (c === 'identifies' && words.length === 3) return reply(showIdentifies(loadedState(home)));
    if (c === 'registrations' && words.length === 3) return reply(showRegistrations(loadedState(home)));
    if (c === 'contacts' && words.length === 3) return reply(showContacts(loadedState(home), config));
    if (c === 'contact' && d !== undefined && words.length === 4) return reply(showContact(loadedState(home), config, d));
  }
  // res_geolocation's command exists only while the module is loaded (geolocProfiles: null = not loaded)
  if (a === 'geoloc' && b === 'list' && c === 'profiles' && words.length === 3 && config.geolocProfiles !== null) return reply(showGeolocProfiles(config));
  if (a === 'acl' && b === 'show' && words.length === 2) return reply(showAcls(config));
  // realtime (mode `realtime`, see realtime.mjs)
  if (a === 'module' && b === 'show' && c === 'like' && words.length === 4) return reply(showModulesWhenIdle(home, config, d));
  if (a === 'core' && b === 'show' && c === 'config' && d === 'mappings' && words.length === 4) return reply(showConfigMappings(config));
  if (a === 'realtime' && b === 'load' && words.length === 5) return reply(realtimeLoad(config, c, d, words[4]));
  if (a === 'core' && b === 'show') {
    if (c === 'translation' && words.length === 3) return reply(showTranslation(config));
    if (c === 'version' && words.length === 3) {
      return reply('Asterisk 22.10.1 built by pjsip-gitops-fake @ localhost on a x86_64 running Linux\n');
    }
  }
  return reply(`No such command '${command}' (type 'core show help ${command}' for other possible commands)\n`);
}

function main() {
  const home = process.env.FAKE_ASTERISK_HOME;
  const command = commandFromArgv(process.argv.slice(2));
  if (!home) {
    process.stderr.write('fake asterisk: FAKE_ASTERISK_HOME is not set\n');
    process.exitCode = 2;
    return;
  }
  if (command === undefined) {
    process.stderr.write("fake asterisk: only `asterisk -rx '<command>'` is supported\n");
    process.exitCode = 2;
    return;
  }
  appendFileSync(join(home, 'calls.log'), JSON.stringify(command) + '\n');
  const config = readJson(join(home, 'config.json'), {});
  if (config.down) {
    process.stderr.write('Unable to connect to remote asterisk (does /var/run/asterisk/asterisk.ctl exist?)\n');
    process.exitCode = 1;
    return;
  }
  if (config.hang) {
    // a wedged Asterisk: the CLI never answers until someone kills us
    setInterval(() => {}, 1 << 30);
    return;
  }
  settleReload(home, config);
  run(command, home, config);
}

main();
