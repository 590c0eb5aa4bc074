/** `seedwire cosim` refuses bad options with a stable code and no stack trace (no model is built). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('seedwire cosim options', () => {
  it('needs --pty', () => {
    const r = runCli(['cosim']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[bad_option\]: give --pty/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a baud rate the device clock is not a whole multiple of', () => {
    const r = runCli(['cosim', '--pty', '--baud', '7']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[bad_baud\]: --baud 7/);
    expect(r.stdout).toBe('');
  });
});
