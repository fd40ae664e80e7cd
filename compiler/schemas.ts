// The JSON Schemas of site.yaml and extension files, compiled once per process.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import extensionSchema from '../schemas/extension.schema.json' with { type: 'json' };
import siteSchema from '../schemas/site.schema.json' with { type: 'json' };

export const AJV_OPTIONS = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true } as const;

let compiled: { site: ValidateFunction; extension: ValidateFunction } | undefined;

export function validators(): { site: ValidateFunction; extension: ValidateFunction } {
  if (!compiled) {
    // verbose: errors carry parentSchema, used for "did you mean" hints. The schemas themselves are
    // checked against the 2020-12 meta-schema by the test suite, not on every start (~50 ms).
    const ajv = new Ajv2020({ ...AJV_OPTIONS, validateSchema: false });
    ajv.addSchema(extensionSchema, 'extension.schema.json');
    compiled = {
      extension: ajv.getSchema('extension.schema.json') as ValidateFunction,
      site: ajv.compile(siteSchema),
    };
  }
  return compiled;
}
