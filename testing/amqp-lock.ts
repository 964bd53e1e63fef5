import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../.cache/rabbitmq', import.meta.url));
const LOCK = `${DIR}/amqp-test.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The cross-process lock of the local RabbitMQ node: libs/alerts/test/amqp.test.ts holds it while it
 * stops, starts or alarms the broker, and the alerting bench while it measures. An atomic mkdir holding
 * the holder's pid; a lock whose holder died is taken over. Resolves with the release function.
 */
export async function acquireAmqpLock(waitMs = Number.POSITIVE_INFINITY): Promise<() => void> {
  mkdirSync(DIR, { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(`${LOCK}/pid`, 'utf8'));
    } catch {
      // just created, pid not written yet
    }
    if (holder > 0 && !alive(holder)) rmSync(LOCK, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`the RabbitMQ test lock ${LOCK} was held for ${waitMs / 1000} s`);
    else await new Promise((r) => setTimeout(r, 200));
  }
}
