// Which changed extensions verify compares value by value. Every object of every added or changed
// extension is checked for existence through the listings (one command per kind); the comparison
// needs one `pjsip show` per object (~50 ms each), so past VALUE_CHECKED_MAX extensions it runs on a
// sample: a first apply of 10,000 verifies in seconds instead of running ~30,000 commands.
//
// The sample is chosen so a systematic fault cannot hide: one extension of each kind (same template,
// same objects, same option names and codecs: the same rows are compared), the first and the last,
// and the rest spread evenly over the range. It is deterministic: the same change samples the same.
import type { ExtensionModel } from '../compiler/types.js';
import { expectedObjects } from './verify-objects.js';

/** Up to this many changed extensions are all compared value by value; more are sampled down to it. */
export const VALUE_CHECKED_MAX = 100;

/** What decides which rows a comparison reads: extensions of one kind differ only in values. */
export function kindOf(ext: ExtensionModel): string {
  return [ext.template, ext.transport ?? '', ext.auth, ext.codecs.join(','),
    expectedObjects(ext).map((o) => o.kind).join(','), Object.keys(ext.options).sort().join(',')].join('|');
}

/** `count` indexes of `items`, spread evenly from the first to the last. */
function spread<T>(items: T[], count: number): T[] {
  if (count <= 0 || items.length === 0) return [];
  if (count >= items.length) return [...items];
  if (count === 1) return [items[0]!];
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!);
}

export interface ValueSample {
  /** the extensions to compare, in the order given */
  checked: ExtensionModel[];
  /** how many kinds the changed extensions fall into */
  kinds: number;
  /** all of them (no sampling) */
  all: boolean;
}

/** The extensions of `exts` (in the file's order) whose values verify compares. */
export function valueSample(exts: ExtensionModel[], max = VALUE_CHECKED_MAX): ValueSample {
  const firstOfKind = new Map<string, number>();
  exts.forEach((e, i) => { const k = kindOf(e); if (!firstOfKind.has(k)) firstOfKind.set(k, i); });
  if (exts.length <= max) return { checked: exts, kinds: firstOfKind.size, all: true };
  const picked = new Set<number>([0, exts.length - 1]);
  // one of each kind; more kinds than room: spread over the kinds too
  for (const i of spread([...firstOfKind.values()], max - picked.size)) picked.add(i);
  // the rest evenly over the range; an index already taken gives its place to the next free one
  const all = exts.map((_, i) => i);
  for (const i of spread(all, max - picked.size)) {
    let j = i;
    while (picked.has(j) && j < exts.length - 1) j++;
    if (picked.size < max) picked.add(j);
  }
  for (let j = 0; picked.size < max && j < exts.length; j++) picked.add(j);
  return { checked: [...picked].sort((a, b) => a - b).map((i) => exts[i]!), kinds: firstOfKind.size, all: false };
}
