import { type ConnectionOptions, createIORedisClient, RedisConnection } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { DeviceKind } from './schema.ts';

/** Errors of the job queue; `code` is stable. */
export class QueueError extends Error {
  readonly code: 'bad_queue_url' | 'queue_unreachable' | 'queue_timeout' | 'job_refused';
  constructor(code: QueueError['code'], message: string) {
    super(message);
    this.name = 'QueueError';
    this.code = code;
  }
}

// BullMQ's ES module build cannot load ioredis by itself: hand it the driver (each queue, event
// stream and worker gets its own client, which BullMQ opens and closes)
RedisConnection.clientFactory ??= (opts: RedisOptions) => createIORedisClient(new Redis(opts));

/** One BullMQ queue per device kind, so a worker takes only the runs its device can do. */
export function queueName(kind: DeviceKind): string {
  return `seedwire-runs-${kind}`;
}

/**
 * Connection options from `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS, the
 * server's certificate checked against Node's CAs plus NODE_EXTRA_CA_CERTS). A password may also come
 * from `password` (e.g. the SEEDWIRE_REDIS_PASSWORD environment variable, kept out of `ps`).
 */
export function connectionOf(url: string, password?: string): ConnectionOptions & { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError('bad_queue_url', `--queue ${url}: not a URL (use redis://HOST:PORT or rediss://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError('bad_queue_url', `--queue ${url}: the scheme must be redis:// or rediss://, got ${u.protocol}//`);
  if (!u.hostname) throw new QueueError('bad_queue_url', `--queue ${url}: no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText && !/^\d+$/.test(dbText)) throw new QueueError('bad_queue_url', `--queue ${url}: the path must be a database number, got /${dbText}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const pass = u.password ? decodeURIComponent(u.password) : password;
  return {
    host,
    port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(pass ? { password: pass } : {}),
    ...(dbText ? { db: Number(dbText) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    // bounded: a connection attempt gives up after 10 s (callers bound the wait for readiness too)
    connectTimeout: 10_000,
    // BullMQ workers block on Redis; they must not give up on a slow command
    maxRetriesPerRequest: null,
  };
}

/** The URL with any password masked, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Wait for `p` at most `ms`, else fail with a queue error naming what was awaited. */
export async function within<T>(p: Promise<T>, ms: number, what: string, code: QueueError['code'] = 'queue_unreachable'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new QueueError(code, `${what}: no answer in ${(ms / 1000).toFixed(0)} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wait until a BullMQ queue, event stream or worker is connected: at most 15 s, and a refused
 * connection or a wrong password fails at once with Redis's own words.
 */
export async function whenReady(c: { waitUntilReady(): Promise<unknown>; once(event: 'error', fn: (e: Error) => void): unknown }, url: string): Promise<void> {
  const failed = new Promise<never>((_, reject) => c.once('error', (e: Error) => reject(new QueueError('queue_unreachable', `Redis at ${redactUrl(url)}: ${e.message}`))));
  failed.catch(() => {});
  await within(Promise.race([c.waitUntilReady(), failed]), 15_000, `Redis at ${redactUrl(url)}`);
}
