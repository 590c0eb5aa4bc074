import { DirectClient } from '../../emulator/balance/direct-client.ts';
import { PRESETS } from '../../host/config/presets.ts';
import { train } from '../../host/train/trainer.ts';

/**
 * DropBack (mnist-dropback-10: k = 10% of the weights) against mnist-sparse-38 on MNIST, test
 * accuracy after every epoch, both on the in-process emulator (bit-exact to `emu`).
 *   npx tsx test/balance/accuracy.ts [epochs]      prints one JSON line
 */
export async function compareDropback(epochs: number): Promise<{ epochs: number; sparse38: number[]; dropback10: number[]; diff: number[] }> {
  const run = async (preset: string) => {
    const r = await train({ network: structuredClone(PRESETS[preset]), device: new DirectClient(), epochs });
    return r.epochReports.map((e) => e.testAccuracy ?? NaN);
  };
  const sparse38 = await run('mnist-sparse-38');
  const dropback10 = await run('mnist-dropback-10');
  return { epochs, sparse38, dropback10, diff: dropback10.map((a, i) => Math.round((a - sparse38[i]) * 10000) / 10000) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number.parseInt(process.argv[2] ?? '2', 10);
  process.stdout.write(`${JSON.stringify(await compareDropback(epochs))}\n`);
}
