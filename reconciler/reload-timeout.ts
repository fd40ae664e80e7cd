// How long a wizard reload may take before it is killed. A reload's time grows with the endpoints
// (asterisk/BEHAVIOR.md "Reload cost": 10–14 s at 10,000 on 2 cores), so a fixed `asterisk.timeout`
// (30 s by default) would kill a reload of 20,000 half way — and a killed CLI leaves Asterisk
// reloading, so the rollback has to wait for that reload to end before it writes (steps/rollback.ts).
// Past 60 s `asterisk -rx` stops waiting on its own; the same timeout bounds the wait for such a
// reload to end (asterisk.ts, outlastedCli). The timeout is the configured one or, when larger,
// a margin over the last measured reload scaled to the endpoints of this one (no history yet: an
// estimate per endpoint), capped.

import type { LastReload } from './pass-types.js';

type ReloadMeasure = LastReload;

/** The slowest measured: 14 s for 10,000 endpoints (BEHAVIOR.md), for a PBX with no reload measured yet. */
export const ESTIMATE_MS_PER_ENDPOINT = 1.4;
/** Over a measured or estimated reload: a busy host can take a few times as long. */
export const MARGIN = 3;
/** No reload is waited for longer than this, whatever the history says (unless configured longer). */
export const TIMEOUT_CAP_MS = 10 * 60_000;

export interface ReloadTimeout {
  timeoutMs: number;
  /** what decided it: 'configured', 'last-reload' or 'estimate' (and 'cap' when it hit the cap) */
  basis: 'configured' | 'last-reload' | 'estimate' | 'cap';
  /** the derived time before the configured floor and the cap */
  derivedMs: number;
  why: string;
}

/** The timeout for a reload of a file with `endpoints` endpoints. */
export function reloadTimeout(configuredMs: number, endpoints: number, last: ReloadMeasure | undefined): ReloadTimeout {
  let derivedMs: number;
  let from: string;
  let basis: 'last-reload' | 'estimate';
  if (last && last.endpoints > 0 && last.durationMs > 0) {
    const ratio = Math.max(endpoints, 1) / last.endpoints;
    derivedMs = Math.ceil(MARGIN * last.durationMs * ratio);
    basis = 'last-reload';
    from = `${MARGIN}× the last reload (${last.durationMs} ms for ${last.endpoints} endpoints) scaled to ${endpoints}`;
  } else {
    derivedMs = Math.ceil(MARGIN * ESTIMATE_MS_PER_ENDPOINT * endpoints);
    basis = 'estimate';
    from = `no reload measured yet: ${MARGIN}× ${ESTIMATE_MS_PER_ENDPOINT} ms per endpoint for ${endpoints}`;
  }
  if (derivedMs <= configuredMs) {
    return { timeoutMs: configuredMs, basis: 'configured', derivedMs, why: `asterisk.timeout (${configuredMs} ms); ${from} is ${derivedMs} ms` };
  }
  if (derivedMs > TIMEOUT_CAP_MS) {
    const timeoutMs = Math.max(configuredMs, TIMEOUT_CAP_MS);
    return { timeoutMs, basis: 'cap', derivedMs, why: `${from} is ${derivedMs} ms, capped at ${timeoutMs} ms` };
  }
  return { timeoutMs: derivedMs, basis, derivedMs, why: `${from}, over asterisk.timeout (${configuredMs} ms)` };
}

/**
 * The timeout of a listing of every object right after a reload (`pjsip show endpoints|aors|auths`):
 * it grows with the PBX as the reload does (3 s for `pjsip show endpoints` at 10,000 on an idle host,
 * over 30 s on a busy one just after a reload), so it gets the timeout the reload of that file got.
 */
export function listingTimeoutMs(pass: object, configuredMs: number, endpoints: number, fromStatus: ReloadMeasure | undefined): number {
  return reloadTimeout(configuredMs, endpoints, lastReloadFor(pass, fromStatus)).timeoutMs;
}

// Reloads measured during a pass, newest last: the pass's record keeps the newest in the status, and a
// rollback in the same pass times its reload by it. Keyed by the pass object, gone with it.
const measured = new WeakMap<object, ReloadMeasure>();

export function noteReload(pass: object, m: ReloadMeasure): void {
  measured.set(pass, m);
}

/** The newest successful reload of this pass, for its record (`{}` when it reloaded nothing). */
export function reloadMeasuredIn(pass: object): { reload?: ReloadMeasure } {
  const m = measured.get(pass);
  return m ? { reload: m } : {};
}

/** The reload to time the next one by: this pass's newest, else the status's. */
export function lastReloadFor(pass: object, fromStatus: ReloadMeasure | undefined): ReloadMeasure | undefined {
  return measured.get(pass) ?? fromStatus;
}
