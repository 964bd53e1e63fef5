import { describe, expect, it } from 'vitest';
import { OffsetCommits } from '../src/kafka/commits.js';

type Sent = Array<{ partition: number; offset: string }>;

/** A commit request that records what it was sent and answers when told to. */
function broker() {
  const requests: Sent[] = [];
  const answers: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const request = (partitions: Sent) => {
    requests.push(partitions);
    return new Promise<void>((resolve, reject) => answers.push({ resolve, reject }));
  };
  return { requests, answers, request };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('OffsetCommits', () => {
  it('sends the commits of one tick in one request, and those made while it is in flight in the next', async () => {
    const b = broker();
    const commits = new OffsetCommits(b.request);
    const settled: string[] = [];
    const track = (p: Promise<void>, what: string) => void p.then(() => settled.push(what));
    track(commits.commit(0, '10'), 'p0');
    track(commits.commit(3, '7'), 'p3');
    await tick();
    expect(b.requests).toEqual([[{ partition: 0, offset: '10' }, { partition: 3, offset: '7' }]]);

    track(commits.commit(1, '4'), 'p1');
    await tick();
    // Still one request: the first is in flight, and nobody's promise settled before its answer.
    expect(b.requests).toHaveLength(1);
    expect(settled).toEqual([]);

    b.answers[0]!.resolve();
    await tick();
    expect(settled).toEqual(['p0', 'p3']);
    expect(b.requests[1]).toEqual([{ partition: 1, offset: '4' }]);
    b.answers[1]!.resolve();
    await tick();
    expect(settled).toEqual(['p0', 'p3', 'p1']);
  });

  it('rejects every commit a failed request carried, and commits again afterwards', async () => {
    const b = broker();
    const commits = new OffsetCommits(b.request);
    const first = commits.commit(0, '5');
    const second = commits.commit(2, '9');
    await tick();
    b.answers[0]!.reject(new Error('NOT_COORDINATOR'));
    await expect(first).rejects.toThrow('NOT_COORDINATOR');
    await expect(second).rejects.toThrow('NOT_COORDINATOR');

    const retry = commits.commit(0, '5');
    await tick();
    expect(b.requests[1]).toEqual([{ partition: 0, offset: '5' }]);
    b.answers[1]!.resolve();
    await expect(retry).resolves.toBeUndefined();
  });

  it('keeps the latest offset when a partition commits again before its request went out', async () => {
    const b = broker();
    const commits = new OffsetCommits(b.request);
    const older = commits.commit(4, '100');
    const newer = commits.commit(4, '150');
    await tick();
    expect(b.requests).toEqual([[{ partition: 4, offset: '150' }]]);
    b.answers[0]!.resolve();
    await expect(Promise.all([older, newer])).resolves.toEqual([undefined, undefined]);
  });
});
