import { afterAll, describe, expect, it } from 'vitest';
import { CpuPool } from './cpu-pool.ts';
import { AppError } from './errors.ts';

describe('CpuPool', () => {
  const pool = new CpuPool(new URL('../../test/support/cpu-test-worker.ts', import.meta.url), 1);
  afterAll(() => pool.close());

  it('runs tasks on a worker thread and brings AppErrors back as themselves', async () => {
    expect(await pool.run('echo', 'hi')).toBe('hi');
    const err = await pool.run('refuse').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).issues[0].path).toBe('x');
  });

  it('a worker that dies fails only its own task and is replaced', async () => {
    await expect(pool.run('die')).rejects.toThrow(/exited/);
    expect(await pool.run('echo', 'again')).toBe('again');
  });
});
