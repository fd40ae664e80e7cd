// Reading a live pjsip_wizard.conf that may be hand-made: which extensions it makes, which changed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extensionChanges } from '../reconciler/steps/wizard-file.js';

const extensionsOf = (text: string) => extensionChanges('', text).added;

// runbook style: type = wizard lives in the template, not in the sections
const HAND_MADE = [
  '[softphone-template](!)', 'type = wizard', 'accepts_auth = yes', 'endpoint/context = internal', '',
  '[6010](softphone-template)', 'inbound_auth/password = a\\;b', '',
  ';-- [6011](softphone-template) was here --;',
  '[6012](softphone-template)', 'inbound_auth/password = c', '',
  '[transport-udp]', 'type = transport', '',
].join('\n');

test('extensions whose type = wizard is inherited from a template count; templates, comments and other types do not', () => {
  assert.equal(extensionsOf(HAND_MADE), ['6010', '6012']);
});

test('a template change changes every extension that inherits it; an own change only that one', () => {
  const template = HAND_MADE.replace('endpoint/context = internal', 'endpoint/context = lobby');
  assert.equal(extensionChanges(HAND_MADE, template), { added: [], removed: [], changed: ['6010', '6012'] });
  const own = HAND_MADE.replace('= c', '= d').replace('[6010](softphone-template)', '[6013](softphone-template)');
  assert.equal(extensionChanges(HAND_MADE, own), { added: ['6013'], removed: ['6010'], changed: ['6012'] });
});

test('a stray --; drops every later section, as Asterisk does', () => {
  const stray = HAND_MADE.replace("inbound_auth/password = a\\;b", 'endpoint/callerid = "A--;B" <6010>');
  assert.equal(extensionsOf(stray), ['6010']);
});

test.run();
