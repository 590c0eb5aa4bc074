import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOf, queueName, type RunResult, runSweep } from '../../host/sweep/index.ts';
import { REPO } from '../helpers/cli.ts';
import { findRedisServer, type RedisServer, selfSignedCert, startRedis } from './redis.ts';

/**
 * Sweeps through BullMQ on a real redis-server (Debian's; CI installs it), with AUTH: two
 * `seedwire worker` processes, one killed (SIGKILL, its whole process group) in the middle of a run
 * that has saved a checkpoint in its job. The sweep still completes, every run's weights equal the
 * local pool's, and the killed run was resumed by the other worker. Without redis-server the test is
 * skipped with the reason; with CI set, a missing redis-server fails.
 */
const exe = findRedisServer();
const reason = 'redis-server not found: install Debian redis-server (apt-get install -y redis-server) to run the queue tests';
if (!exe && !process.env.CI) console.warn(`SKIPPED sweep queue test: ${reason}`);

const PASSWORD = 'sweep-test-secret';
const SWEEP = { name: 'q', base: { preset: 'mnist-sparse-38', samples: 600, epochs: 2 }, grid: { seed: [1, 2, 3], lrShift: [4, 5] } };

describe.skipIf(!exe && !process.env.CI)('sweeps through BullMQ on a real redis-server', () => {
  let redis: RedisServer | undefined;
  const workers: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'seedwire-sweep-q-'));
  console.log(`worker logs in ${dir}`);
  const file = join(dir, 'sweep.json');
  let local: RunResult[] = [];

  const startWorker = () => {
    const w = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', 'worker', '--queue', redis!.url, '--checkpoint-every', '100', '--lock-seconds', '4'], {
      cwd: REPO,
      detached: true, // its own process group: killing it kills its sandboxed child too
      stdio: ['ignore', openSync(join(dir, `w${workers.length}.log`), 'w'), openSync(join(dir, `w${workers.length}.err`), 'w')],
      env: { ...process.env, SEEDWIRE_REDIS_PASSWORD: PASSWORD },
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    if (!exe) throw new Error(`CI is set and ${reason}`);
    redis = await startRedis(exe, ['--requirepass', PASSWORD]);
    writeFileSync(file, JSON.stringify(SWEEP));
    const r = await runSweep({ file, workers: 2 });
    expect(r.failures).toEqual([]);
    local = r.runs;
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await redis?.stop();
  });

  it('gives the local weights through 2 workers, one killed mid-run; a re-submitted sweep reuses them', async () => {
    expect(local).toHaveLength(6);
    expect(new Set(local.map((r) => r.weightsSha256)).size).toBe(6);
    const [w1, w2] = [startWorker(), startWorker()];
    const url = redis!.url.replace('//', `//:${PASSWORD}@`);
    const sweep = runSweep({ file, queue: url, timeoutMs: 240_000 });
    // find a run that has saved a checkpoint in its job and is not near its end; kill its worker
    const q = new Queue(queueName('emu'), { connection: connectionOf(redis!.url, PASSWORD) });
    let victim: { key: string; worker: string } | undefined;
    try {
      const deadline = Date.now() + 120_000;
      while (!victim && Date.now() < deadline) {
        for (const job of await q.getActive()) {
          const p = job.progress as { done?: number; total?: number } | number;
          const early = typeof p !== 'object' || (p.done ?? 0) < 0.7 * (p.total ?? 1);
          if (job.data.checkpoint && early && job.processedBy) {
            victim = { key: job.id!, worker: job.processedBy };
            break;
          }
        }
        if (!victim) await new Promise((r) => setTimeout(r, 30));
      }
    } finally {
      await q.close();
    }
    expect(victim, 'no run was seen mid-way with a checkpoint').toBeDefined();
    const killed = [w1, w2].find((w) => `${hostname()}:${w.pid}` === victim!.worker);
    expect(killed, `the run's worker ${victim!.worker} is not one of ours`).toBeDefined();
    process.kill(-killed!.pid!, 'SIGKILL');

    const report = await sweep;
    expect(report.failures).toEqual([]);
    expect(report.runs).toHaveLength(6);
    const byKey = new Map(local.map((r) => [r.key, r]));
    for (const r of report.runs) {
      expect(r.weightsSha256, r.name).toBe(byKey.get(r.key)!.weightsSha256);
      expect(r.testAccuracy, r.name).toBe(byKey.get(r.key)!.testAccuracy);
      // a resumed run still reports both epochs, as the local run does
      expect(r.epochReports.map((e) => [e.epoch, e.testAccuracy]), r.name).toEqual(byKey.get(r.key)!.epochReports.map((e) => [e.epoch, e.testAccuracy]));
    }
    const resumed = report.runs.find((r) => r.key === victim!.key)!;
    expect(resumed.resumed).toBe(true);
    expect(resumed.worker).not.toBe(victim!.worker);

    const again = await runSweep({ file, queue: url, timeoutMs: 60_000 });
    expect(again.reused).toBe(6);
    expect(again.runs.map((r) => r.weightsSha256)).toEqual(report.runs.map((r) => r.weightsSha256));
  }, 300_000);

  it('refuses a wrong password with a clear error, in bounded time', async () => {
    const t0 = Date.now();
    await expect(runSweep({ file, queue: redis!.url.replace('//', '//:wrong@'), timeoutMs: 10_000 })).rejects.toThrow(/WRONGPASS|NOAUTH|invalid username-password|no answer/i);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 60_000);
});

describe.skipIf(!exe && !process.env.CI)('sweeps over rediss:// (TLS) with a password', () => {
  it('a worker and a sweep talk to a TLS-only redis-server, checking its certificate', async () => {
    if (!exe) throw new Error(`CI is set and ${reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'seedwire-sweep-tls-'));
    const tls = selfSignedCert(dir);
    const redis = await startRedis(exe, ['--requirepass', PASSWORD], tls);
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ name: 'tls', base: { preset: 'mnist-sparse-3', samples: 200 }, grid: { seed: [1, 2] } }));
    // the server's certificate is trusted through Node's NODE_EXTRA_CA_CERTS, as on a real deployment
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert, SEEDWIRE_REDIS_PASSWORD: PASSWORD };
    const worker = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', 'worker', '--queue', redis.url], { cwd: REPO, detached: true, stdio: 'ignore', env });
    try {
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', 'sweep', file, '--queue', redis.url, '--json', '--timeout', '120'], { cwd: REPO, env });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d) => (stdout += d));
        c.stderr.on('data', (d) => (stderr += d));
        const t = setTimeout(() => c.kill('SIGKILL'), 150_000);
        c.on('error', reject);
        c.on('close', (code) => {
          clearTimeout(t);
          resolve({ code, stdout, stderr });
        });
      });
      expect(out.code, out.stderr).toBe(0);
      const runs = JSON.parse(out.stdout.trim().split('\n').at(-1)!).runs as RunResult[];
      const local = await runSweep({ file, workers: 1 });
      expect(runs.map((r) => r.weightsSha256)).toEqual(local.runs.map((r) => r.weightsSha256));
    } finally {
      process.kill(-worker.pid!, 'SIGKILL');
      await redis.stop();
    }
  }, 200_000);
});

describe.skipIf(!exe && !process.env.CI)('a board worker takes only runs asking for its device kind', () => {
  it('serial runs go to the worker holding a serial device (the emulator behind a pty), emu runs to the emu worker', async () => {
    if (!exe) throw new Error(`CI is set and ${reason}`);
    const redis = await startRedis(exe);
    const dir = mkdtempSync(join(tmpdir(), 'seedwire-sweep-kinds-'));
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify({ name: 'kinds', base: { preset: 'mnist-sparse-3', samples: 200 }, list: [{ device: 'emu' }, { device: 'serial' }] }));
    const procs: ChildProcess[] = [];
    const start = (args: string[]) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
      procs.push(p);
      return p;
    };
    try {
      // the "board": the emulator served over a pty; it prints its /dev/pts/N on the first line
      const emu = start(['emulator', 'serve', '--pty']);
      const pty = await new Promise<string>((resolve, reject) => {
        let text = '';
        const t = setTimeout(() => reject(new Error(`emulator serve --pty printed no pty: ${text}`)), 30_000);
        emu.stdout!.on('data', (d) => {
          text += d;
          const m = /\/dev\/pts\/\d+/.exec(text);
          if (m) {
            clearTimeout(t);
            resolve(m[0]);
          }
        });
      });
      start(['worker', '--queue', redis.url, '--device', `serial:${pty}`]);
      const sweep = runSweep({ file, queue: redis.url, timeoutMs: 150_000 });
      // with only the board worker up, the serial run finishes and the emu run waits
      const serialQ = new Queue(queueName('serial'), { connection: connectionOf(redis.url) });
      const emuQ = new Queue(queueName('emu'), { connection: connectionOf(redis.url) });
      try {
        const deadline = Date.now() + 90_000;
        while ((await serialQ.getCompletedCount()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        expect(await serialQ.getCompletedCount()).toBe(1);
        expect(await emuQ.getWaitingCount()).toBe(1);
      } finally {
        await serialQ.close();
        await emuQ.close();
      }
      start(['worker', '--queue', redis.url]);
      const done = await sweep;
      expect(done.failures).toEqual([]);
      const [onEmu, onBoard] = done.runs;
      expect(onEmu.device).toBe('emu');
      expect(onBoard.device).toBe(`serial:${pty}`);
      // bit-exact across devices: the same network and samples give the same weights
      expect(onBoard.weightsSha256).toBe(onEmu.weightsSha256);
      expect(onBoard.key).not.toBe(onEmu.key);
    } finally {
      for (const p of procs) {
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await redis.stop();
    }
  }, 200_000);
});
