// Small pieces the benchmarks of test/bench share (this folder, not that one: `npm run bench` runs
// every file of test/bench).

/** End the benchmark: it broke (a missed goal is printed, never this). */
export function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
