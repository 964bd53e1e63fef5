import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PRIORITY = fileURLToPath(new URL('../src/priority.ts', import.meta.url));

/** Runs `script` in a fresh node process (priority.ts imported as `setProcessNice`) and returns its JSON output. */
function inChild(script: string): unknown {
  const source = `import { setProcessNice } from ${JSON.stringify(PRIORITY)};\nimport { readdirSync, readFileSync } from 'node:fs';\nimport { Worker } from 'node:worker_threads';\n` +
    `const nices = () => readdirSync('/proc/self/task').map((t) => Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));\n${script}`;
  return JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { encoding: 'utf8' }));
}

describe.runIf(process.platform === 'linux')('setProcessNice', () => {
  it('sets every thread of the process, and the threads started after it inherit it', () => {
    const out = inChild(`
      const before = nices();
      // Relative to where it starts (the test may run niced itself); raising niceness needs no privilege.
      const target = Math.min(19, before[0] + 3);
      const set = setProcessNice(target);
      const after = nices();
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((r) => worker.once('online', r));
      const withWorker = nices();
      await worker.terminate();
      console.log(JSON.stringify({ before, target, set, after, withWorker }));
    `) as { before: number[]; target: number; set: number; after: number[]; withWorker: number[] };
    expect(out.before.length).toBeGreaterThan(1);
    expect(new Set(out.before).size).toBe(1);
    expect(out.target).not.toBe(out.before[0]);
    expect(out.set).toBe(out.after.length);
    expect(new Set(out.after)).toEqual(new Set([out.target]));
    expect(out.withWorker.length).toBeGreaterThan(out.after.length);
    expect(new Set(out.withWorker)).toEqual(new Set([out.target]));
  });
});
