import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UNRESOLVED_SECRET } from '../compiler/types.ts';

test('types module loads', () => {
  assert.match(UNRESOLVED_SECRET, /unresolved/);
});

test.run();
