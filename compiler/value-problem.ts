// What a value check reports: shared by catalog.ts and the value checkers it calls (values-grammars.ts,
// values-numbers.ts), kept apart so those don't import catalog.ts back.
import type { Code } from './codes.js';

export interface ValueProblem { code: Code; message: string; hint?: string; severity?: 'warning' }
