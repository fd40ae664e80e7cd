// The injection cases of compiler-injection.test.ts, loaded into a real Asterisk 22.10.1: every value
// the compiler accepts must come back exactly (callerid, password, a raw option), and the file must
// still define exactly its endpoints — a stray `--;` or a line-start `#`/`[` would drop or add some.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../compiler/compile.js';
import { endpointIds, parameterRows, startAsterisk, withLog, type RealAsterisk } from '../helpers/real-asterisk.js';
import { ext, site } from '../helpers/site.js';
import { wsRegister } from '../helpers/ws-sip.js';

let ast: RealAsterisk | undefined;
const a = () => ast!;

test.before(async () => { ast = await startAsterisk(); });
test.after(async () => { await ast?.stop(); });

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

// the same payloads as test/compiler-injection.test.ts
const PAYLOADS = [';', ';--', '--;', 'a;--b--;c', '\\;', 'x\\', '#exec /bin/sh', '#include /etc/passwd', '[evil]', '[6001](!)', '"quoted" #x'];

interface Place {
  name: string;
  file: (v: string) => string;
  wrap: (v: string) => string;
  /** reads the value back from the running Asterisk; returns what it holds */
  check: (wrapped: string) => Promise<void>;
}

async function endpointRows(id: string) {
  return parameterRows(await a().cli(`pjsip show endpoint ${id}`));
}

const PLACES: Place[] = [
  {
    name: 'name',
    file: (v) => ext(6001).replace('name: Phone 6001', `name: ${yamlString(`N${v}N`)}`),
    wrap: (v) => `N${v}N`,
    async check(wrapped) {
      assert.is((await endpointRows('6001')).get('callerid'), `"${wrapped}" <6001>`);
    },
  },
  {
    name: 'password',
    file: (v) => ext(6001, '', `{ password: ${yamlString(`P${v}P`)} }`),
    wrap: (v) => `P${v}P`,
    async check(wrapped) {
      // `pjsip show auth` prints the password row; a REGISTER proves Asterisk uses exactly that
      const shown = parameterRows(await a().cli('pjsip show auth 6001-iauth')).get('password');
      if (shown !== undefined) assert.ok(shown === wrapped, 'pjsip show auth shows another password than the one compiled');
      const ok = await wsRegister(a().wsUrl, '6001', wrapped);
      assert.equal(ok, { challenge: 401, final: 200 }, 'REGISTER with the exact password');
      const cut = wrapped.split(/[;#]/)[0]!; // what a value cut at a comment or directive would have left
      if (cut !== wrapped) {
        const bad = await wsRegister(a().wsUrl, '6001', cut);
        assert.ok(bad.final >= 400, `REGISTER with the cut password ${bad.final}`);
      }
    },
  },
  {
    name: 'raw option',
    file: (v) => ext(6001, `options:\n  endpoint/set_var: ${yamlString(`V=${v}V`)}\n`),
    wrap: (v) => `V=${v}V`,
    async check(wrapped) {
      // `pjsip show endpoint` lists each set_var variable as its own row: `V : <value>`
      const [name, value] = [wrapped.slice(0, wrapped.indexOf('=')), wrapped.slice(wrapped.indexOf('=') + 1)];
      assert.is((await endpointRows('6001')).get(name), value);
    },
  },
];

async function loadedIds(): Promise<{ endpoints: string[]; aors: string[]; auths: string[] }> {
  const ids = (out: string, re: RegExp) => [...out.matchAll(re)].map((m) => m[1]!).filter((x) => !x.startsWith('<')).sort();
  return {
    endpoints: endpointIds(await a().cli('pjsip show endpoints')).sort(),
    aors: ids(await a().cli('pjsip show aors'), /^\s*Aor:\s+(\S+)\s+\d+/gm),
    auths: ids(await a().cli('pjsip show auths'), /^\s*Auth:\s+([^/\s]+)\//gm),
  };
}

const accepted: string[] = [];

for (const place of PLACES) {
  test(`${place.name}: every accepted ; -- # [ " payload loads with exactly its value, no endpoint dropped or added`, withLog(a, async () => {
    let loaded = 0;
    for (const payload of PAYLOADS) {
      const sources = site({ '6001.yaml': place.file(payload) });
      const r = compile(sources);
      if (!r.ok) {
        // refused values never reach Asterisk; the compiler test pins which ones and why
        assert.ok(place.name === 'name' && /["\\]/.test(payload), `${place.name} ${JSON.stringify(payload)} refused: ${r.diagnostics.map((d) => d.code).join(',')}`);
        continue;
      }
      const label = `${place.name} ${JSON.stringify(payload)}`;
      await a().applyWizard(r.conf);
      const expected = r.model.extensions.map((e) => e.number).sort();
      assert.equal(expected, ['6000', '6001', '6010']);
      const ids = await loadedIds();
      assert.equal(ids.endpoints, expected, `${label}: endpoints`);
      assert.equal(ids.aors, expected, `${label}: aors`);
      assert.equal(ids.auths, expected.map((n) => `${n}-iauth`), `${label}: auths`);
      try {
        await place.check(place.wrap(payload));
      } catch (err) {
        if (err instanceof Error) err.message = `${label}: ${err.message}`;
        throw err;
      }
      // the section after the hostile one is intact, not just present
      assert.is((await endpointRows('6010')).get('callerid'), '"Phone 6010" <6010>', `${label}: 6010 after it`);
      loaded++;
      accepted.push(label);
    }
    assert.ok(loaded >= PAYLOADS.length - 3, `${place.name}: only ${loaded} payloads were accepted and loaded`);
  }));
}

test('no value ran a #exec: execincludes is off and no log line shows one', withLog(a, async () => {
  assert.ok(accepted.length > 0);
  assert.not.match(a().logText(), /#exec|execincludes/i);
  assert.not.match(a().logText(), /Unable to (create objects|apply object)/);
}));

test('control: the same file with one `\\;` unescaped loses every later section, and the checks above see it', withLog(a, async () => {
  const r = compile(site({ '6001.yaml': PLACES[0]!.file('--;') }));
  assert.ok(r.ok);
  if (!r.ok) return;
  const broken = r.conf.replace('N--\\;N', 'N--;N'); // what an emitter without escaping would write
  assert.is.not(broken, r.conf);
  await a().applyWizard(broken); // Asterisk still says "reloaded successfully"
  const ids = await loadedIds();
  assert.not.ok(ids.endpoints.includes('6010'), `6010 survived a stray --;: ${ids.endpoints.join(',')}`);
  await a().applyWizard(r.conf); // and the escaped file brings it back
  assert.equal((await loadedIds()).endpoints, ['6000', '6001', '6010']);
}));

test.run();
