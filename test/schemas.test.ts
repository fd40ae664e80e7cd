// The JSON Schemas shipped in schemas/ are valid 2020-12 schemas under ajv's strict mode (the CLI
// skips this meta-schema check at start for speed, so it must hold here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { AJV_OPTIONS } from '../compiler/schemas.js';

const dir = join(import.meta.dirname, '..', 'schemas');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;

test('site, extension and reconciler schemas pass the meta-schema and strict mode', () => {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, validateSchema: true });
  ajv.addSchema(load('extension.schema.json'), 'extension.schema.json');
  assert.ok(ajv.validateSchema(load('extension.schema.json')), ajv.errorsText());
  for (const name of ['site.schema.json', 'reconciler.schema.json']) {
    const schema = load(name);
    assert.ok(ajv.validateSchema(schema), `${name}: ${ajv.errorsText()}`);
    assert.type(ajv.compile(schema), 'function');
  }
});

test('every shipped YAML file names its schema on its first line', () => {
  const files = readdirSync(join(import.meta.dirname, '..', 'extensions')).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 25);
  for (const f of files) {
    const first = readFileSync(join(import.meta.dirname, '..', 'extensions', f), 'utf8').split('\n')[0];
    const want = f === 'site.yaml' ? 'site.schema.json' : 'extension.schema.json';
    assert.is(first, `# yaml-language-server: $schema=../schemas/${want}`, f);
  }
});

test.run();
