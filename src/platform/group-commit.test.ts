import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

describe('GroupCommit', () => {
  it('writes what arrives together in one call, and answers each in order', async () => {
    const calls: number[][] = [];
    const gc = new GroupCommit<number, number>(async (items) => {
      calls.push(items);
      return items.map((x) => x * 2);
    });
    const out = await Promise.all([1, 2, 3].map((x) => gc.submit(x)));
    expect(out).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('when a batch fails, writes each item alone so only the bad one fails', async () => {
    const gc = new GroupCommit<number, number>(async (items) => {
      if (items.includes(2)) throw new Error('bad item 2');
      return items;
    });
    const out = await Promise.allSettled([1, 2, 3].map((x) => gc.submit(x)));
    expect(out.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((out[1] as PromiseRejectedResult).reason.message).toBe('bad item 2');
  });

  it('lets a small batch linger for company', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 256, 20);
    const first = gc.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, gc.submit(2)]);
    expect(sizes).toEqual([2]);
  });
});
