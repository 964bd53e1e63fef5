import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sets the niceness of every thread of this process and returns how many it set. On Linux
 * setpriority(2) acts on one thread, and the threads V8 and libuv started before this call would keep
 * theirs, so each task of /proc/self/task is set; threads started afterwards (DuckDB's) inherit it.
 * Elsewhere it sets the process's.
 */
export function setProcessNice(nice: number): number {
  let tasks: number[];
  try {
    tasks = readdirSync('/proc/self/task').map(Number);
  } catch {
    tasks = [0];
  }
  let set = 0;
  for (const task of tasks) {
    try {
      setPriority(task, nice);
      set++;
    } catch (e) {
      // A thread that ended since the listing is gone: nothing to set.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  return set;
}
