/**
 * `seedwire flash` writes two files, the firmware image and the bitstream: each one missing is refused
 * with its own stable code before iceprog runs, and no stack trace reaches the user.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('seedwire flash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seedwire-flash-'));
  const bitstream = join(dir, 'top.bin');
  const firmware = join(dir, 'firmware.bin');
  writeFileSync(bitstream, Buffer.alloc(16));
  writeFileSync(firmware, Buffer.alloc(16));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a missing bitstream', () => {
    const r = runCli(['flash', join(dir, 'none.bin'), '--firmware', firmware]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[no_bitstream\]: .*none\.bin does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing firmware image, naming the build that makes it', () => {
    const r = runCli(['flash', bitstream, '--firmware', join(dir, 'none-firmware.bin')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[no_firmware\]: .*none-firmware\.bin does not exist: run `seedwire bitstream` first/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
