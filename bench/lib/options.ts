/**
 * Options shared by every bench, from the environment:
 *   BENCH_RUNS   runs per figure (default 3; 2 with BENCH_QUICK); every figure is their median
 *   BENCH_QUICK  1: a short smoke run (small sizes, short windows); its figures are not the real ones
 */
export interface BenchOptions {
  runs: number;
  quick: boolean;
}

export function benchOptions(): BenchOptions {
  const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
  const runs = Number(process.env.BENCH_RUNS ?? (quick ? 2 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got ${process.env.BENCH_RUNS}`);
  return { runs, quick };
}

/** A numeric env var, or the default of the mode. */
export function envNumber(name: string, full: number, quick: number, options: BenchOptions): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return options.quick ? quick : full;
  const v = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isFinite(v)) throw new Error(`${name} must be a number, got ${raw}`);
  return v;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
