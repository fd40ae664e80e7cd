// What res_pjsip_config_wizard does on a reload, per asterisk/BEHAVIOR.md: every `type = wizard`
// section makes an endpoint, an aor and (with accepts_auth) an inbound auth; a section whose text did
// not change since the last reload is skipped, even when it failed last time; a section gone from the
// file takes its objects with it; a missing or invalid file changes nothing.

import { parseConfigFile } from './config-parser.mjs';
import { hostPathError, isTrue, loadCatalog, optionError } from './option-check.mjs';

export const OBJECT_TYPES = ['auth', 'aor', 'endpoint', 'identify', 'registration', 'phoneprov'];

export function emptyState() {
  return { objects: Object.fromEntries(OBJECT_TYPES.map((t) => [t, {}])), lastSeen: {} };
}

const last = (vars, name) => {
  for (let i = vars.length - 1; i >= 0; i--) if (vars[i].name === name) return vars[i].value;
  return undefined;
};

function prefixed(vars, prefix) {
  return vars.filter((v) => v.name.startsWith(prefix) && v.name.length > prefix.length).map((v) => ({ name: v.name.slice(prefix.length), value: v.value }));
}

class ApplyError extends Error {
  /** a fault the test asked for (dropSections): the object goes, even an old one */
  forced = false;
}

/** Checks every option of one object the way sorcery's objectset apply does; throws on the first refusal. */
function fields(type, id, vars) {
  const out = {};
  for (const v of vars) {
    const hostWhy = hostPathError(type, v.name, v.value);
    const why = hostWhy ?? optionError(type, v.name, v.value);
    if (why) {
      const first = why.startsWith('unknown option')
        ? `ERROR config_options.c: Could not find option suitable for category '${id}' named '${v.name}' at line 0 of`
        : `${hostWhy ? `${hostWhy}\n` : ''}ERROR config_options.c: Error parsing ${v.name}=${v.value} at line 0 of`;
      throw new ApplyError(`${first}\nERROR res_pjsip_config_wizard.c: Unable to apply object type '${type}' with id '${id}'.  Check preceeding errors.`);
    }
    out[v.name] = v.value;
  }
  return out;
}

function remoteHosts(vars) {
  const hosts = last(vars, 'remote_hosts');
  return hosts ? hosts.split(',').map((h) => h.trim()).filter(Boolean) : [];
}

/** The objects of one type that a wizard section makes: [[id, fields]…]; throws ApplyError. */
function build(type, cat, config) {
  const id = cat.name;
  const vars = cat.vars;
  const transport = last(vars, 'transport');
  switch (type) {
    case 'endpoint': {
      if ((config.dropSections ?? []).includes(id)) {
        const err = new ApplyError(`ERROR res_pjsip_config_wizard.c: Unable to apply object type 'endpoint' with id '${id}'.  Check preceeding errors.`);
        err.forced = true;
        throw err;
      }
      const f = fields('endpoint', id, prefixed(vars, 'endpoint/'));
      f.aors = id;
      if (transport) f.transport = transport;
      if (isTrue(last(vars, 'sends_auth'))) f.outbound_auth = `${id}-oauth`;
      // the wizard sets endpoint/auth itself: a hand-written one is silently replaced
      if (isTrue(last(vars, 'accepts_auth'))) f.auth = `${id}-iauth`;
      f['@pjsip_wizard'] = id;
      return [[id, f]];
    }
    case 'aor': {
      const f = fields('aor', id, prefixed(vars, 'aor/'));
      const hosts = remoteHosts(vars);
      if (!f.contact && hosts.length) {
        const pattern = last(vars, 'contact_pattern') ?? 'sip:${REMOTE_HOST}';
        f.contact = hosts.map((h) => pattern.replaceAll('${REMOTE_HOST}', h)).join(',');
      }
      f['@pjsip_wizard'] = id;
      return [[id, f]];
    }
    case 'auth': {
      const out = [];
      // outbound first: when it fails, the inbound auth is not even tried
      for (const [prefix, flag, suffix, verb] of [
        ['outbound_auth/', 'sends_auth', 'oauth', 'sends_auth'],
        ['inbound_auth/', 'accepts_auth', 'iauth', 'accepts_auth'],
      ]) {
        if (!isTrue(last(vars, flag))) continue;
        const own = prefixed(vars, prefix);
        if (last(own, 'username') === undefined) {
          throw new ApplyError(`ERROR res_pjsip_config_wizard.c: Wizard '${id}' must have '${prefix}username' if it ${verb}.`);
        }
        const f = fields('auth', `${id}-${suffix}`, own);
        if (!f.auth_type) f.auth_type = 'userpass';
        f['@pjsip_wizard'] = id;
        out.push([`${id}-${suffix}`, f]);
      }
      return out;
    }
    case 'identify': {
      if (isTrue(last(vars, 'accepts_registrations'))) return [];
      const hosts = remoteHosts(vars);
      if (!hosts.length) {
        throw new ApplyError(`ERROR res_pjsip_config_wizard.c: Wizard '${id}' must have 'remote_hosts' if it doesn't accept registrations.`);
      }
      const f = fields('identify', `${id}-identify`, prefixed(vars, 'identify/'));
      if (!f.match) f.match = hosts.map((h) => h.split(':')[0]).join(',');
      f.endpoint = id;
      return [[`${id}-identify`, f]];
    }
    case 'registration': {
      if (!isTrue(last(vars, 'sends_registrations'))) return [];
      const hosts = remoteHosts(vars);
      if (!hosts.length) {
        throw new ApplyError(`ERROR res_pjsip_config_wizard.c: Wizard '${id}' must have 'remote_hosts' if it sends registrations.`);
      }
      const own = prefixed(vars, 'registration/');
      return hosts.map((h, n) => [`${id}-reg-${n}`, { ...fields('registration', `${id}-reg-${n}`, own), server_uri: `sip:${h}` }]);
    }
    case 'phoneprov': {
      if (!isTrue(last(vars, 'has_phoneprov'))) return [];
      if (last(vars, 'phoneprov/MAC') === undefined) {
        throw new ApplyError(`ERROR res_pjsip_config_wizard.c: Wizard '${id}' must have 'phoneprov/MAC' if it has_phoneprov.`);
      }
      return [[`${id}-phoneprov`, { ...fields('phoneprov', `${id}-phoneprov`, prefixed(vars, 'phoneprov/')), endpoint: id }]];
    }
    default:
      return [];
  }
}

/** type → wizard key → ids, so a reload of thousands of sections stays linear */
function indexByWizard(state) {
  const index = {};
  for (const type of OBJECT_TYPES) {
    const byWizard = new Map();
    for (const [id, o] of Object.entries(state.objects[type])) {
      if (!byWizard.has(o.wizard)) byWizard.set(o.wizard, []);
      byWizard.get(o.wizard).push(id);
    }
    index[type] = byWizard;
  }
  return index;
}

function removeWizardObjects(state, index, type, key) {
  for (const id of index[type].get(key) ?? []) delete state.objects[type][id];
  index[type].delete(key);
}

/**
 * dropObjects: objects (by id: `7000`, `7000-iauth`) whose apply fails although their text is good,
 * as a value Asterisk refuses does: a new object is missing, a changed one keeps its old text.
 */
function forcedDrop(config, type, made) {
  const hit = made.find(([id]) => (config.dropObjects ?? []).some((d) => d.type === type && d.id === id));
  if (!hit) return;
  throw new ApplyError(`ERROR res_pjsip_config_wizard.c: Unable to apply object type '${type}' with id '${hit[0]}'.  Check preceeding errors.`);
}

/** Applies one changed wizard section, one object type at a time like the real wizard does. */
function applySection(state, index, cat, key, config, log) {
  let failed = false;
  for (const type of OBJECT_TYPES) {
    const objects = state.objects[type];
    let made;
    try {
      made = build(type, cat, config);
      forcedDrop(config, type, made);
    } catch (err) {
      if (!(err instanceof ApplyError)) throw err;
      log(err.message);
      failed = true;
      // as a real 22.10.1 does (test/real/conformance.test.ts): an object made from an earlier, good
      // text of the section stays loaded; a new section's object is simply missing.
      // keepOldObjectOnFailure: false, or dropSections, remove the old one too.
      if (err.forced || config.keepOldObjectOnFailure === false) removeWizardObjects(state, index, type, key);
      continue;
    }
    removeWizardObjects(state, index, type, key);
    for (const [id, f] of made) objects[id] = { wizard: key, section: cat.name, fields: f };
    index[type].set(key, made.map(([id]) => id));
  }
  if (failed) log(`ERROR res_pjsip_config_wizard.c: Unable to create objects for wizard '${cat.name}'`);
}

/**
 * Re-reads the wizard file and updates `state` in place.
 * @returns {{ loaded: boolean, changed: string[] }} loaded=false when the file was missing or invalid
 */
export function reloadWizard(state, config, log) {
  loadCatalog();
  const parsed = parseConfigFile(config.confPath);
  if (!parsed.ok) {
    log(`ERROR config.c: ${parsed.error}`);
    log(`ERROR res_pjsip_config_wizard.c: Contents of config file 'pjsip_wizard.conf' are invalid and cannot be parsed`);
    return { loaded: false, changed: [] };
  }
  for (const w of parsed.warnings) log(`WARNING config.c: ${w}`);
  for (const d of parsed.directives) log(`NOTICE config.c: directive ${d}`);
  const index = indexByWizard(state);
  const seen = new Set();
  const changed = [];
  for (const cat of parsed.categories) {
    if (cat.isTemplate || last(cat.vars, 'type') !== 'wizard') continue;
    const key = cat.name.toLowerCase();
    seen.add(key);
    const text = JSON.stringify(cat.vars.map((v) => [v.name, v.value]));
    // a section is applied only when its text changed: a failed one is not retried until then
    if (state.lastSeen[key]?.text === text) continue;
    state.lastSeen[key] = { name: cat.name, text };
    changed.push(cat.name);
    applySection(state, index, cat, key, config, log);
  }
  for (const key of Object.keys(state.lastSeen)) {
    if (seen.has(key)) continue;
    for (const type of OBJECT_TYPES) removeWizardObjects(state, index, type, key);
    delete state.lastSeen[key];
  }
  return { loaded: true, changed };
}
