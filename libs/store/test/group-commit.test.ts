import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/group-commit.js';

/** A write that records its rows and finishes when told to. */
function writer() {
  const writes: number[][] = [];
  const finish: Array<() => void> = [];
  const write = (rows: number[]) => {
    writes.push(rows);
    return new Promise<void>((r) => finish.push(r));
  };
  return { writes, finish, write };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('joins into one write the rows of callers that each awaited something first, within one turn of the event loop', async () => {
    const w = writer();
    const gc = new GroupCommit(w.write, { batchSize: 100 });
    // As the batches of one fetch reach the store: each partition's handler decodes and awaits before it adds.
    const adds = [1, 2, 3].map(async (n) => {
      for (let i = 0; i < n; i++) await Promise.resolve();
      return gc.add([n]);
    });
    await turn();
    await turn();
    expect(w.writes).toEqual([[1, 2, 3]]);
    w.finish[0]!();
    await expect(Promise.all(adds)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('sends rows added while a write runs together in the next, and settles each caller with its own write', async () => {
    const w = writer();
    const gc = new GroupCommit(w.write, { batchSize: 100 });
    const settled: string[] = [];
    void gc.add([1]).then(() => settled.push('first'));
    await turn();
    void gc.add([2]).then(() => settled.push('second'));
    void gc.add([3]).then(() => settled.push('third'));
    await turn();
    expect(w.writes).toEqual([[1]]);
    w.finish[0]!();
    await turn();
    expect(settled).toEqual(['first']);
    expect(w.writes).toEqual([[1], [2, 3]]);
    w.finish[1]!();
    await turn();
    expect(settled).toEqual(['first', 'second', 'third']);
  });

  it('never puts more than batchSize rows in one write, nor splits one caller’s rows', async () => {
    const w = writer();
    const gc = new GroupCommit(w.write, { batchSize: 5 });
    const adds = [gc.add([1, 2, 3]), gc.add([4, 5, 6]), gc.add([7])];
    for (let i = 0; i < 3; i++) {
      await turn();
      w.finish[i]?.();
    }
    await Promise.all(adds);
    expect(w.writes).toEqual([[1, 2, 3], [4, 5, 6, 7]]);
  });
});
