import type { Redis } from 'ioredis';
import type { AuditEntry, AuditLog, AuditQuery } from '@sentinel/alerts';
import type { AlertKeys } from './keys.js';

/** How many entries `list` reads per round trip. */
const LIST_PAGE = 500;

/** A capped list, newest first: "most recent" is the order of appends, like the in-process log. */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: AlertKeys,
    private readonly maxEntries: number,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    const results = await this.redis
      .multi()
      .lpush(this.keys.audit, JSON.stringify(entry))
      .ltrim(this.keys.audit, 0, this.maxEntries - 1)
      .exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  /** Filters while paging from the newest; `from` and `to` are inclusive. */
  async list(q: AuditQuery): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (let start = 0; out.length < q.limit; start += LIST_PAGE) {
      const page = await this.redis.lrange(this.keys.audit, start, start + LIST_PAGE - 1);
      for (const json of page) {
        const e = JSON.parse(json) as AuditEntry;
        if (q.actor !== undefined && e.actor !== q.actor) continue;
        if (q.action !== undefined && e.action !== q.action) continue;
        if ((q.from !== undefined && e.at < q.from) || (q.to !== undefined && e.at > q.to)) continue;
        out.push(e);
        if (out.length >= q.limit) break;
      }
      if (page.length < LIST_PAGE) break;
    }
    return out;
  }
}
