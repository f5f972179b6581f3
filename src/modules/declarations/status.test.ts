import { describe, expect, it } from 'vitest';
import { advance, statusFromReturn } from './status.ts';

describe('record lifecycle', () => {
  it('maps customs returnStatus codes', () => {
    expect(['2', '120', '300', '399', '500', '501', '800', '899', '100', '-621029'].map(statusFromReturn)).toEqual([
      'declaring', 'customs-accepted', 'manual-review', 'concluded', 'inspection', 'detained', 'released', 'closed', 'rejected', 'rejected',
    ]);
  });

  it('moves only forward; a late receipt does not move a record back', () => {
    expect(advance('forwarded', 'customs-accepted')).toBe('customs-accepted');
    expect(advance('released', 'customs-accepted')).toBeNull();
    expect(advance('closed', 'released')).toBeNull();
  });

  it('399 (审结) before 800 does not stop the release', () => {
    expect(advance('customs-accepted', 'concluded')).toBe('concluded');
    expect(advance('concluded', 'released')).toBe('released');
  });

  it('customs can refuse until release, not after', () => {
    expect(advance('manual-review', 'rejected')).toBe('rejected');
    expect(advance('released', 'rejected')).toBeNull();
    expect(advance('rejected', 'released')).toBeNull();
  });
});
